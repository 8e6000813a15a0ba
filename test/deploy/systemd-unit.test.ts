import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemporaryDirectories } from '@airlock/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from './support/repository.js';

/** deploy/systemd/airlock-agent.service: the agent on a plain EC2 instance. */
const unitFile = join(repositoryRoot, 'deploy/systemd/airlock-agent.service');
const text = readFileSync(unitFile, 'utf8');

/** The unit's directives per section (a key may repeat). */
function parseUnit(source: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1] as string, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a directive: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const temporary = new TemporaryDirectories();
afterAll(() => temporary.removeAll());
describe('the agent systemd unit', () => {
  const unit = parseUnit(text);
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const value = (key: string) => service.get(key)?.at(-1);

  it('runs the single-file agent with its configuration', () => {
    expect(value('ExecStart')).toBe('/usr/local/bin/airlock-agent --config /etc/airlock/agent.yaml');
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
    expect(unit.get('Unit')?.get('After')).toEqual(['network-online.target']);
  });

  it("fixes glibc's mmap threshold, as the agent image does", () => {
    // What the agent frees below a raised threshold would otherwise stay resident (operations.md).
    expect(service.get('Environment')).toContain('GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576');
  });

  it('runs as a dedicated unprivileged user that cannot gain privileges', () => {
    expect(value('DynamicUser')).toBe('yes');
    expect(value('User')).toBeUndefined();
    expect(value('NoNewPrivileges')).toBe('yes');
    expect(value('CapabilityBoundingSet')).toBe('');
  });

  it('sees a read-only system, no homes, a private /tmp, and writes only its state directory', () => {
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('ProtectHome')).toBe('yes');
    expect(value('PrivateTmp')).toBe('yes');
    expect(value('StateDirectory')).toBe('airlock-agent');
    expect(value('ReadWritePaths')).toBeUndefined();
  });

  it('gets its token as a systemd credential, readable by it alone', () => {
    expect(value('LoadCredential')).toBe('agent-token:/etc/airlock/agent-token');
    const example = readFileSync(join(repositoryRoot, 'deploy/examples/agent.yaml'), 'utf8');
    expect(example).toContain('tokenFile: /run/credentials/airlock-agent.service/agent-token');
    expect(example).toContain('dataDir: /var/lib/airlock-agent');
  });

  it('restarts after a failure, and waits longer than the drain before killing it', () => {
    expect(value('Restart')).toBe('on-failure');
    expect(value('RestartSec')).toMatch(/^\d+s$/);
    expect(Number.parseInt(value('TimeoutStopSec') ?? '0', 10)).toBeGreaterThan(30);
  });

  it('passes `systemd-analyze verify` where systemd is installed', (context) => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      context.skip();
      return;
    }
    // verify also checks that ExecStart exists: point it at a binary this machine has.
    const dir = temporary.make('airlock-systemd-');
    const copy = join(dir, 'airlock-agent.service');
    writeFileSync(copy, text.replaceAll('/usr/local/bin/airlock-agent', process.execPath));
    const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });
});
