import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemporaryDirectories } from '@airlock/testkit';
import { afterAll, describe, expect, it } from 'vitest';

/** The README's setup puts `airlock` on the PATH (scripts/install-cli.mjs); a fresh shell finds it. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (
  JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
).version;

function install(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, 'scripts/install-cli.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

/** A new shell with nothing inherited: only HOME and a PATH without Node's directory. */
function freshShell(home: string, path: string, command: string) {
  return spawnSync('/usr/bin/env', ['-i', `HOME=${home}`, `PATH=${path}`, 'sh', '-c', command], {
    encoding: 'utf8',
  });
}

const temporary = new TemporaryDirectories();
afterAll(() => temporary.removeAll());
describe('airlock on the PATH', () => {
  it('a fresh shell finds `airlock --version` after the install, with no node on its PATH', () => {
    const home = temporary.make('airlock-home-');
    const bin = join(home, 'bin');
    const run = install(['--bin-dir', bin]);
    expect(run.status, run.stderr).toBe(0);
    const shell = freshShell(home, `${bin}:/usr/bin:/bin`, 'command -v airlock && airlock --version');
    expect(shell.stderr).toBe('');
    expect(shell.stdout.split('\n')).toEqual([join(bin, 'airlock'), version, '']);
  });

  it('falls back to ~/.local/bin when the system directory is not writable, and says how to reach it', () => {
    const home = temporary.make('airlock-home-');
    const run = install([], { HOME: home, AIRLOCK_SYSTEM_BIN_DIR: '/dev/null/bin', PATH: '/usr/bin:/bin' });
    expect(run.status, run.stderr).toBe(0);
    const launcher = join(home, '.local/bin/airlock');
    expect(existsSync(launcher)).toBe(true);
    expect(run.stdout).toContain(`${join(home, '.local/bin')} is not on your PATH; add it`);
    const shell = freshShell(home, `${join(home, '.local/bin')}:/usr/bin:/bin`, 'airlock --version');
    expect(shell.stdout.trim()).toBe(version);
  });

  it('never replaces an `airlock` it did not write, and uninstalls its own', () => {
    const bin = temporary.make('airlock-bin-');
    writeFileSync(join(bin, 'airlock'), '#!/bin/sh\necho someone else\n');
    const refused = install(['--bin-dir', bin]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('is not an Airlock launcher');
    const other = temporary.make('airlock-bin-');
    expect(install(['--bin-dir', other]).status).toBe(0);
    expect(install(['--bin-dir', other, '--uninstall']).status).toBe(0);
    expect(existsSync(join(other, 'airlock'))).toBe(false);
  });
});
