import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnNode, TemporaryDirectories } from '../src/index.js';

const temporary = new TemporaryDirectories();
afterAll(() => temporary.removeAll());

async function script(source: string): Promise<string> {
  const path = join(temporary.make('testkit-'), 'script.mjs');
  await writeFile(path, source);
  return path;
}

describe('spawnNode', () => {
  it('waits for a stdout line, passes env, and kills a process that ignores SIGTERM', async () => {
    const path = await script(
      `process.on('SIGTERM', () => {}); console.log('noise'); console.log('ready ' + process.env.GREETING); setInterval(() => {}, 1000);`,
    );
    const proc = spawnNode(path, [], { env: { GREETING: 'hi' }, killGraceMs: 200 });
    expect(await proc.waitForLine((l) => l.startsWith('ready'))).toBe('ready hi');
    expect(proc.stdoutLines).toEqual(['noise', 'ready hi']);
    await proc.kill();
    expect((await proc.exited).signal).toBe('SIGKILL');
  });

  it('rejects waitForLine when the process exits first, with its stderr', async () => {
    const path = await script(`console.error('boom'); process.exit(2);`);
    const proc = spawnNode(path);
    await expect(proc.waitForLine(() => true)).rejects.toThrow(/boom/);
    expect((await proc.exited).code).toBe(2);
  });

  it('iterates lines until stdout closes', async () => {
    const path = await script(`console.log('a'); console.log('b');`);
    const seen: string[] = [];
    for await (const line of spawnNode(path).lines()) seen.push(line);
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('freePort', () => {
  it('returns a port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
