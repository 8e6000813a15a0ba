import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const cli = new URL('../../dist/main.js', import.meta.url).pathname;

it('airlock dev on a port another process holds says so and how to pick another, and exits 2', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-dev-busy-'));
  try {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'dev', '--port', String(port), '--data-dir', dataDir],
        { timeout: 90_000, env: { ...process.env, CI: 'true' } },
        (error, _stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.stderr).toContain(
      `airlock: Cannot start the gateway on 127.0.0.1:${port}: another process is listening on that port (another airlock dev?). Stop it, or run airlock dev --port <port> (0 picks a free one).`,
    );
    // A clear answer, not a stack trace.
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(2);
  } finally {
    holder.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

it('a second airlock dev on the same data directory names the first and how to run beside it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-dev-twice-'));
  const first = spawn(process.execPath, [cli, 'dev', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      first.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('airlock dev: ready')) resolve();
      });
      first.once('exit', (code) => reject(new Error(`the first airlock dev exited with ${code}`)));
    });
    const second = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'dev', '--port', '0', '--data-dir', dataDir],
        { timeout: 90_000, env: { ...process.env, CI: 'true' } },
        (error, _stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(second.stderr).toContain(
      `airlock: Another airlock dev (process ${first.pid}) is running on ${dataDir}. Stop it, or run this one beside it with its own directory and port: airlock dev --data-dir <dir> --port 0.`,
    );
    expect(second.code).toBe(2);
  } finally {
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);
