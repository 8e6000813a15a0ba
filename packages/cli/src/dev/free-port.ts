import { createServer, type AddressInfo } from 'node:net';

/** Tries before giving up: each port is free when picked, and only a busy machine takes it before use. */
const ATTEMPTS = 5;

/**
 * Runs `start` on a port free right now, for a server whose address must be known before it
 * listens (the dev gateway's public URL is its tokens' audience). Another process may take the
 * port between the pick and the listen; `start` then fails with EADDRINUSE and runs again on a
 * newly picked port. `start` must leave nothing running when it fails.
 */
export async function onFreePort<T>(
  host: string,
  start: (port: number) => Promise<T>,
  pick: (host: string) => Promise<number> = freePort,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await pick(host);
    try {
      return await start(port);
    } catch (error) {
      if (attempt === ATTEMPTS || !addressInUse(error)) throw error;
    }
  }
}

/** A port on `host` that no one listens on right now. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `error`, or an error it was caused by, is EADDRINUSE. */
export function addressInUse(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
  }
  return false;
}
