import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `airlock connect` started the way an MCP client starts it: often with a stripped environment
 * (no HOME, no XDG_CONFIG_HOME, no AIRLOCK_HOME), so it may look for the login somewhere other
 * than where `airlock login` put it. Its message must say where it looked and what to do.
 */
const AIRLOCK = new URL('../dist/main.js', import.meta.url).pathname;
const GATEWAY = 'http://127.0.0.1:9';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-connect-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with exactly `env` (nothing inherited); resolves with its exit code and stderr. */
function connect(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [AIRLOCK, 'connect', 'kitchen', '--gateway', GATEWAY], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('airlock connect without a login it can find', () => {
  it('names the token cache it looked in, and how to point it at the right one', async () => {
    const { code, stderr } = await connect({ PATH: process.env['PATH'] ?? '', HOME: dir });
    expect(code).toBe(1);
    expect(stderr).toContain(`You are not logged in to ${GATEWAY}`);
    expect(stderr).toContain(join(dir, '.config', 'airlock', 'tokens'));
    expect(stderr).toContain(`airlock login --gateway ${GATEWAY}`);
    expect(stderr).toContain('AIRLOCK_HOME');
  });

  it('says which variable chose the folder', async () => {
    const { stderr } = await connect({ PATH: process.env['PATH'] ?? '', AIRLOCK_HOME: join(dir, 'custom') });
    expect(stderr).toContain(join(dir, 'custom', 'tokens'));
    expect(stderr).toContain('AIRLOCK_HOME');
  });

  it('with no HOME, XDG_CONFIG_HOME or AIRLOCK_HOME at all, still names the folder it looked in', async () => {
    const { code, stderr } = await connect({ PATH: process.env['PATH'] ?? '' });
    expect(code).toBe(1);
    expect(stderr).toContain(join(userInfo().homedir, '.config', 'airlock', 'tokens'));
    expect(stderr).toContain('AIRLOCK_HOME');
  });
});
