import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { shippedNodePath } from '@airlock/testkit';
import { createSelfSignedCertificate } from '@airlock/tunnel';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from './support/repository.js';

/**
 * deploy/docker: no Docker engine runs here, so the Dockerfiles are parsed and checked, and the
 * build steps they run (deploy/docker/build-steps.sh) are run, and what they produce is started.
 */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), split into stages. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Instruction[][] } {
  const logical = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const args = new Map<string, string>();
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=');
      args.set(name as string, value ?? '');
    } else if (keyword === 'FROM') stages.push([{ keyword, args: rest }]);
    else stages.at(-1)?.push({ keyword, args: rest });
  }
  return { args, stages };
}

/** deploy/docker/Dockerfile.<role>, parsed. */
const dockerfile = (role: 'gateway' | 'agent') =>
  parseDockerfile(readFileSync(join(repositoryRoot, `deploy/docker/Dockerfile.${role}`), 'utf8'));

/**
 * The images' Node: the official Node 22 binary where installed (Linux x64), else the Node running
 * the tests.
 */
const imageNode = shippedNodePath() ?? process.execPath;

/**
 * A command of the role's final stage in exec form, run by `node` (ENTRYPOINT's arguments, the
 * array after HEALTHCHECK's `CMD`); returned with the images' Node release in its place.
 */
function nodeCommand(role: 'gateway' | 'agent', keyword: 'HEALTHCHECK' | 'ENTRYPOINT'): string[] {
  const args = dockerfile(role)
    .stages.at(-1)
    ?.find((i) => i.keyword === keyword)?.args;
  const form = keyword === 'HEALTHCHECK' ? /CMD (\[.*\])$/ : /^(\[.*\])$/;
  const command = JSON.parse(form.exec(args ?? '')?.[1] ?? '[]') as string[];
  expect(command[0]).toBe('node');
  return [imageNode, ...command.slice(1)];
}

/** The final stage's HEALTHCHECK command. */
const healthcheckCommand = (role: 'gateway' | 'agent'): string[] => nodeCommand(role, 'HEALTHCHECK');

/**
 * The final stage's ENTRYPOINT with the image's /opt/airlock as `app`: the gateway is started the
 * way the image starts it, Node flags included.
 */
const entrypointCommand = (role: 'gateway' | 'agent', app: string): string[] =>
  nodeCommand(role, 'ENTRYPOINT').map((arg) => arg.replace(/^\/opt\/airlock\//, `${app}/`));

const all = (stage: Instruction[], keyword: string) =>
  stage.filter((i) => i.keyword === keyword).map((i) => i.args);

/** The environment the role's final stage sets (`ENV NAME=value …`; no value holds a space). */
function imageEnvironment(role: 'gateway' | 'agent'): Record<string, string> {
  const final = dockerfile(role).stages.at(-1) ?? [];
  return Object.fromEntries(
    all(final, 'ENV')
      .flatMap((args) => args.split(/\s+/))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

for (const [role, buildStep] of [
  ['gateway', 'build-steps.sh assemble /out'],
  ['agent', 'build-steps.sh agent-bundle /out'],
] as const) {
  describe(`deploy/docker/Dockerfile.${role}`, () => {
    const { args, stages } = dockerfile(role);
    const final = stages.at(-1) ?? [];

    it('is multi-stage on a pinned Node 22 LTS slim image', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(args.get('NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-bookworm-slim$/);
      for (const stage of stages) expect(stage[0]?.args).toMatch(/^\$\{NODE_IMAGE\}( AS \w+)?$/);
    });

    it('builds with the script the tests run, and copies only its output into the final image', () => {
      const runs = all(stages[0] ?? [], 'RUN').join(' ');
      expect(runs).toContain('deploy/docker/build-steps.sh build');
      expect(runs).toContain(buildStep);
      const copies = all(final, 'COPY');
      expect(copies.length).toBeGreaterThan(0);
      // Nothing from the build context (sources, dev dependencies): only the build stage's /out.
      for (const copy of copies) expect(copy).toMatch(/^--from=build \/out/);
      expect(all(final, 'ADD')).toEqual([]);
    });

    it('runs as a non-root user', () => {
      const users = all(final, 'USER');
      expect(users.length).toBe(1);
      expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
      expect(users[0]).toMatch(/^\d+:\d+$/);
    });

    it('is read-only-root friendly: its state is a volume', () => {
      expect(all(final, 'VOLUME').join(' ')).toContain('/var/lib/airlock');
      expect(all(final, 'WORKDIR').at(-1)).toBe('/var/lib/airlock');
    });

    it('checks its health on /readyz with Node (no curl in slim images)', () => {
      const healthcheck = all(final, 'HEALTHCHECK');
      expect(healthcheck.length).toBe(1);
      expect(healthcheck[0]).toContain('CMD ["node", "-e", "fetch(process.env.AIRLOCK_HEALTHCHECK_URL)');
      const env = all(final, 'ENV').join(' ');
      expect(env).toMatch(/AIRLOCK_HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:(8080|9465)\/readyz/);
      const instructions = stages.flat().map((i) => `${i.keyword} ${i.args}`);
      expect(instructions.filter((i) => /\b(curl|wget)\b/.test(i))).toEqual([]);
    });
  });
}

/** Every file under dir with its size and modification time, to see that a run wrote nothing. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const stat = statSync(full, { throwIfNoEntry: false });
        entries.push(`${full} ${stat?.size} ${stat?.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return entries.sort();
}

describe('the build steps of the images (deploy/docker/build-steps.sh)', () => {
  const work = mkdtempSync(join(tmpdir(), 'airlock-image-'));
  const app = join(work, 'opt-airlock');
  let gateway: ReturnType<typeof spawn> | undefined;

  afterAll(() => {
    gateway?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('assemble: a production tree with production dependencies only', () => {
    const run = spawnSync('sh', [join(repositoryRoot, 'deploy/docker/build-steps.sh'), 'assemble', app], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(join(app, 'packages')).sort()).toEqual(
      [
        'agent',
        'cli',
        'console',
        'core',
        'demo',
        'dev-identity',
        'gateway',
        'operations',
        'recording',
        'tunnel',
      ].sort(),
    );
    const installed = readdirSync(join(app, 'node_modules/.pnpm'));
    for (const dev of [
      'typescript@',
      'vitest@',
      'eslint@',
      'prettier@',
      'esbuild@',
      '@aws-cdk',
      'kinesalite@',
      'fast-check@',
    ])
      expect(installed.filter((name) => name.startsWith(dev.replace('/', '+')))).toEqual([]);
    expect(installed.some((name) => name.startsWith('@electric-sql+pglite@'))).toBe(true);
    const version = spawnSync(imageNode, [join(app, 'packages/cli/dist/main.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 120_000);

  it('the assembled gateway starts, serves, and writes nothing into its own tree', async () => {
    const before = snapshot(app);
    const data = join(work, 'var-lib-airlock');
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost'] });
    writeFileSync(join(work, 'tunnel.crt'), cert);
    writeFileSync(join(work, 'tunnel.key'), key);
    writeFileSync(
      join(work, 'airlock.yaml'),
      JSON.stringify({
        gateway: {
          listen: { host: '127.0.0.1', port: 0 },
          dataDir: data,
          tunnel: {
            listen: { host: '127.0.0.1', port: 0 },
            tls: { certFile: join(work, 'tunnel.crt'), keyFile: join(work, 'tunnel.key') },
          },
        },
        // Starting PGlite costs tens of seconds on a busy CI machine; the store's files being in
        // the tree is checked above. What matters here: the tree runs, and writes only to dataDir.
        recording: { enabled: false },
      }),
    );
    // As the image runs it: its ENTRYPOINT (Node flags included: one V8 helper thread, see the
    // Dockerfile), then the CMD's role.
    const [node, ...entrypoint] = entrypointCommand('gateway', app);
    expect(entrypoint).toContain('--v8-pool-size=1');
    expect(entrypoint.at(-1)).toBe(join(app, 'packages/cli/dist/main.js'));
    gateway = spawn(node as string, [...entrypoint, 'gateway', '--config', join(work, 'airlock.yaml')], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    gateway.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: gateway.stdout! });
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line.includes('"ready":"gateway"')) resolve(JSON.parse(line) as { url: string });
      });
      gateway!.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${stderr}`)));
    });
    const answer = await fetch(`${ready.url}/mcp/no-such-connection`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    // The image's own HEALTHCHECK command, run against this gateway: healthy when ready, not when
    // nothing answers.
    const healthcheck = healthcheckCommand('gateway');
    const healthy = spawnSync(healthcheck[0] as string, healthcheck.slice(1), {
      encoding: 'utf8',
      env: { ...process.env, AIRLOCK_HEALTHCHECK_URL: `${ready.url}/readyz` },
    });
    expect(healthy.status, healthy.stderr).toBe(0);
    const closed = spawnSync(healthcheck[0] as string, healthcheck.slice(1), {
      encoding: 'utf8',
      env: { ...process.env, AIRLOCK_HEALTHCHECK_URL: 'http://127.0.0.1:9/readyz' },
    });
    expect(closed.status).toBe(1);
    const exited = new Promise<number | null>((resolve) => gateway!.once('exit', resolve));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(snapshot(app)).toEqual(before);
  }, 120_000);

  it('agent-bundle: the agent as one JavaScript file that runs on Node alone', () => {
    const out = join(work, 'agent');
    const run = spawnSync('sh', [join(repositoryRoot, 'deploy/docker/build-steps.sh'), 'agent-bundle', out], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['airlock-agent.cjs']);
    // With the image's environment. Its glibc mmap threshold is fixed: Node reads the bundle at
    // start through buffers of up to 4 MiB, and freeing them would otherwise raise the threshold
    // so that the agent's later allocations below 4 MiB stay resident (docs/operations.md).
    const environment = imageEnvironment('agent');
    expect(environment.GLIBC_TUNABLES).toMatch(/(^|:)glibc\.malloc\.mmap_threshold=\d+(:|$)/);
    const version = spawnSync(imageNode, [join(out, 'airlock-agent.cjs'), '--version'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { ...process.env, ...environment },
    });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 120_000);
});
