import { parseArgs } from 'node:util';

/** Parses `--host H --port N` for the server bins; port 0 (the default) picks a free port. */
export function parseListenArgs(argv: string[]): { host: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer in 0..65535, got ${values.port}`);
  }
  return { host: values.host, port };
}

/**
 * Prints the one JSON line the parent waits for (`{"url": ...}`) and closes the server on
 * SIGTERM/SIGINT so the port is released before the process exits.
 */
export function announce(server: { url: string; close(): Promise<void> }): void {
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
