import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TemporaryDirectories } from '@airlock/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText } from './support/config-check.js';
import { repositoryRoot } from './support/repository.js';

/** deploy/compose/docker-compose.yml, parsed (no Docker engine here) and checked. */
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  read_only?: boolean;
  cap_drop?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  secrets?: string[];
  environment?: Record<string, string>;
  configs?: { source: string; target: string }[];
  ports?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
  configs: Record<string, { content: string }>;
}

const composeDir = join(repositoryRoot, 'deploy/compose');
const compose = parse(readFileSync(join(composeDir, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;
const hash = 'a'.repeat(64);
/** Compose's interpolation of the one variable the inline configurations use. */
const interpolate = (text: string) => text.replace(/\$\{AIRLOCK_AGENT_TOKEN_SHA256:\?[^}]*\}/g, hash);

const temporary = new TemporaryDirectories();
afterAll(() => temporary.removeAll());
describe('docker-compose.yml for local trials', () => {
  it('has a gateway, an agent, a demo MCP server, PostgreSQL and a Kinesis-compatible stream', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'demo', 'gateway', 'kinesis', 'postgres']);
    expect(compose.services['postgres']?.image).toMatch(/^postgres:\d+\.\d+/);
    expect(compose.services['kinesis']?.image).toMatch(/^localstack\/localstack:\d+\.\d+\.\d+$/);
    expect(compose.services['gateway']?.build?.dockerfile).toBe('deploy/docker/Dockerfile.gateway');
    expect(compose.services['agent']?.build?.dockerfile).toBe('deploy/docker/Dockerfile.agent');
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services))
      expect(service.healthcheck?.test, name).toBeDefined();
  });

  it('starts each service once what it needs is healthy', () => {
    expect(compose.services['gateway']?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      kinesis: { condition: 'service_healthy' },
    });
    expect(compose.services['agent']?.depends_on).toEqual({
      gateway: { condition: 'service_healthy' },
      demo: { condition: 'service_healthy' },
    });
  });

  it('keeps state in named volumes, each declared and used', () => {
    const used = Object.values(compose.services).flatMap((s) =>
      (s.volumes ?? []).map((v) => v.split(':')[0] as string).filter((v) => !v.startsWith('.')),
    );
    expect(used.sort()).toEqual(Object.keys(compose.volumes).sort());
    for (const [name, target] of [
      ['postgres', 'postgres-data:/var/lib/postgresql/data'],
      ['gateway', 'gateway-data:/var/lib/airlock'],
      ['agent', 'agent-data:/var/lib/airlock'],
    ] as const)
      expect(compose.services[name]?.volumes).toContain(target);
  });

  it('runs Airlock read-only with no capabilities, published on loopback only', () => {
    for (const name of ['gateway', 'agent', 'demo']) {
      expect(compose.services[name]?.read_only, name).toBe(true);
      expect(compose.services[name]?.cap_drop, name).toEqual(['ALL']);
    }
    for (const service of Object.values(compose.services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('passes secrets as files, never as values in the file', () => {
    expect(compose.services['postgres']?.environment?.['POSTGRES_PASSWORD_FILE']).toBe(
      '/run/secrets/postgres-password',
    );
    expect(compose.services['postgres']?.environment?.['POSTGRES_PASSWORD']).toBeUndefined();
    for (const secret of Object.values(compose.secrets)) expect(secret.file).toMatch(/^\.\/secrets\//);
  });

  for (const [name, role] of [
    ['gateway-config', 'gateway'],
    ['agent-config', 'agent'],
  ] as const) {
    it(`${name} passes \`airlock config check\` and reads its secrets from the mounted files`, () => {
      const text = interpolate(compose.configs[name]?.content ?? '');
      const check = checkConfigText(text);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
      const mounted = (compose.services[role]?.secrets ?? []).map((s) => `/run/secrets/${s}`);
      for (const path of text.match(/\/run\/secrets\/[a-z-]+/g) ?? []) expect(mounted).toContain(path);
    });
  }

  it('init-secrets.sh writes a token whose hash the gateway configuration gets, and no secret into .env', () => {
    const dir = temporary.make('airlock-compose-');
    copyFileSync(join(composeDir, 'init-secrets.sh'), join(dir, 'init-secrets.sh'));
    const run = spawnSync('sh', [join(dir, 'init-secrets.sh')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const token = readFileSync(join(dir, 'secrets/agent-token'), 'utf8');
    expect(token).toMatch(/^alk_[0-9a-f]{64}$/);
    const env = readFileSync(join(dir, '.env'), 'utf8');
    expect(env).toBe(`AIRLOCK_AGENT_TOKEN_SHA256=${createHash('sha256').update(token).digest('hex')}\n`);
    const password = readFileSync(join(dir, 'secrets/postgres-password'), 'utf8');
    expect(readFileSync(join(dir, 'secrets/postgres-url'), 'utf8')).toBe(
      `postgresql://airlock:${password}@postgres:5432/airlock`,
    );
    expect(readFileSync(join(dir, 'secrets/tunnel.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    // A second run refuses rather than replacing a token an agent already uses.
    expect(spawnSync('sh', [join(dir, 'init-secrets.sh')], { encoding: 'utf8' }).status).toBe(1);
  });
});
