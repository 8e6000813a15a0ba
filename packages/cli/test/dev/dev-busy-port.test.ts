import { execFile } from 'node:child_process';
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
