/** A test server listening on loopback: its MCP endpoint URL and a close that ends every connection. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

// One implementation with the dev identity provider's (which the test kit already depends on).
export { closeServer, listen } from '@airlock/dev-identity';

/** Formats a host for a URL authority: IPv6 literals need brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
