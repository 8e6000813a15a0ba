import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connectionSchema, type HttpConnectionConfig, type StdioConnectionConfig } from '@airlock/core';

/** server-everything's CLI entry (`node <it> stdio|streamableHttp`). */
export const everythingBin = (() => {
  const manifest = createRequire(import.meta.url).resolve(
    '@modelcontextprotocol/server-everything/package.json',
  );
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['mcp-server-everything']!);
})();

export function stdioConfig(
  fields: Partial<StdioConnectionConfig> & { command: string },
): StdioConnectionConfig {
  return connectionSchema.parse({
    transport: 'stdio',
    aws: { inject: false },
    killGraceMs: 1000,
    ...fields,
  }) as StdioConnectionConfig;
}

export function httpConfig(fields: Partial<HttpConnectionConfig> & { url: string }): HttpConnectionConfig {
  return connectionSchema.parse({ transport: 'http', timeoutMs: 20_000, ...fields }) as HttpConnectionConfig;
}

export function everythingStdioConfig(): StdioConnectionConfig {
  return stdioConfig({ command: process.execPath, args: [everythingBin, 'stdio'] });
}

/** Writes throw-away server scripts into a temp folder; `cleanup` removes it. */
export class ScriptFolder {
  readonly dir = mkdtempSync(join(tmpdir(), 'airlock-agent-test-'));

  write(name: string, source: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, source);
    return path;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * server-everything in Streamable HTTP mode. It takes its port from PORT (default 3001; it logs
 * the port it was given, so PORT=0 would leave us guessing) and serves the fixed path /mcp; it
 * listens on all interfaces, and the tests talk to it on 127.0.0.1 only.
 */
export async function startEverythingHttp(): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [everythingBin, 'streamableHttp'], {
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on port')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything exited early (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`server-everything did not start: ${output}`)), 15_000).unref();
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    process: child,
    stop: () => stopProcess(child),
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
