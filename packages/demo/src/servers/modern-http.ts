import { createServer } from 'node:http';
import { createMcpHandler, type ServerNotifier } from '@modelcontextprotocol/server';
import { toNodeListener } from '../http/fetch-node-adapter.js';
import { closeServer, listen, urlHost, type RunningServer } from '../http/listen.js';
import { createModernServer } from './modern-server.js';
import { MCP_PATH } from './serve-legacy-http.js';

export interface ModernHttpOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * 2025-era traffic: `'stateless'` (SDK default) answers it statelessly (no session id; GET and
   * DELETE get 405); `'reject'` answers it with the unsupported-protocol-version error.
   */
  legacy?: 'reject' | 'stateless';
}

/**
 * Serves the modern (2026-07-28) server with the v2 SDK's `createMcpHandler`: stateless POSTs
 * carrying the per-request `_meta` envelope, `server/discover`, `subscriptions/listen`.
 */
export interface RunningModernServer extends RunningServer {
  /** Publishes change events to the clients' open `subscriptions/listen` streams. */
  readonly notify: ServerNotifier;
}

export async function startModernHttp(options: ModernHttpOptions = {}): Promise<RunningModernServer> {
  const host = options.host ?? '127.0.0.1';
  const handler = createMcpHandler(createModernServer, { legacy: options.legacy ?? 'stateless' });
  const listener = toNodeListener((request) => {
    if (new URL(request.url).pathname !== MCP_PATH)
      return Promise.resolve(new Response('not found', { status: 404 }));
    return handler.fetch(request);
  });
  const http = createServer(listener);
  const port = await listen(http, host, options.port ?? 0);
  return {
    url: `http://${urlHost(host)}:${port}${MCP_PATH}`,
    notify: handler.notify,
    async close() {
      await handler.close();
      await closeServer(http);
    },
  };
}
