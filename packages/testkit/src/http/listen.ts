import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server listening on loopback: its MCP endpoint URL and a close that ends every connection. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the listener and drops open connections (SSE streams would otherwise hold close() forever). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Formats a host for a URL authority: IPv6 literals need brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
