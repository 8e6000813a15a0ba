import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP port free on 127.0.0.1 right now. Racy by nature (another process may take it before you
 * bind); prefer `port: 0` where the server reports its own port.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
