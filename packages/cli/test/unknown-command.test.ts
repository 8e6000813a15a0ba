import { spawnNode } from '@airlock/testkit';
import { describe, expect, it } from 'vitest';

/** The `airlock` binary as built: a mistyped command is an error, whatever else is on the line. */
const AIRLOCK = new URL('../dist/main.js', import.meta.url).pathname;

async function airlock(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(AIRLOCK, args, { env: { CI: 'true' } });
  const { code } = await child.exited;
  return { code, stdout: child.stdoutLines.join('\n'), stderr: child.stderr() };
}

describe('airlock with a command it does not have', () => {
  it.each([
    [['bogus'], 'bogus'],
    [['bogus', '--help'], 'bogus'],
    [['--help', 'bogus'], 'bogus'],
    [['sessions', 'bogus'], 'bogus'],
    [['sessions', 'bogus', '--help'], 'bogus'],
    [['config', 'bogus'], 'bogus'],
    [['config', 'bogus', '--help'], 'bogus'],
  ])('airlock %j says so and exits non-zero', async (args, unknown) => {
    const { code, stderr } = await airlock(args);
    expect(code).not.toBe(0);
    expect(stderr).toContain(`Unknown command: ${unknown}`);
  });

  it('still prints help for commands it has, and exits 0', async () => {
    for (const args of [
      ['--help'],
      ['sessions', '--help'],
      ['sessions', 'list', '--help'],
      ['config', 'check', '--help'],
    ]) {
      const { code, stdout } = await airlock(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout, args.join(' ')).toContain('airlock');
    }
  });
});
