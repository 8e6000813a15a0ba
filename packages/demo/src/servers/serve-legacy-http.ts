import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { closeServer, listen, urlHost, type RunningServer } from '../http/listen.js';
import { isLoopbackRequest } from '../http/loopback-guard.js';
import { BodyTooLargeError, readBody } from '../http/read-body.js';

export const MCP_PATH = '/mcp';

export interface LegacyHttpOptions {
  host?: string;
  port?: number;
  /** Reject requests whose Host/Origin is not loopback (DNS-rebinding protection). Default false. */
  loopbackOnly?: boolean;
  /** Per-session event store, enabling `Last-Event-ID` resumability and SSE polling. */
  eventStore?: () => EventStore;
  /** SSE `retry:` hint in milliseconds, sent with the priming event (needs an event store). */
  retryInterval?: number;
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

function hasInitialize(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

/**
 * Serves a v1 `McpServer` (or low-level `Server`) factory over Streamable HTTP with stateful sessions, the 2025-era way:
 * each `initialize` POST gets a fresh server + transport and an `Mcp-Session-Id`; later POSTs, the
 * GET stream and DELETE are routed by that id. Unknown ids get 404 (the spec's "session expired,
 * re-initialize" signal), a missing id on a non-initialize request gets 400.
 */
export async function serveLegacyHttp(
  factory: () => McpServer | Server,
  options: LegacyHttpOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const sessions = new Map<
    string,
    { transport: StreamableHTTPServerTransport; server: McpServer | Server }
  >();

  async function startSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = factory();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(options.eventStore ? { eventStore: options.eventStore() } : {}),
      ...(options.retryInterval !== undefined ? { retryInterval: options.retryInterval } : {}),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://placeholder').pathname;
    if (path !== MCP_PATH) return jsonRpcError(res, 404, -32000, `Not found: ${path}`);
    if (options.loopbackOnly && !isLoopbackRequest(req)) {
      return jsonRpcError(res, 403, -32000, 'Forbidden: Host/Origin is not a loopback address');
    }

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = JSON.parse((await readBody(req)).toString('utf8'));
      } catch (error) {
        if (error instanceof BodyTooLargeError) return jsonRpcError(res, 413, -32000, error.message);
        return jsonRpcError(res, 400, -32700, 'Parse error: body is not JSON');
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) return jsonRpcError(res, 404, -32001, 'Session not found');
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method === 'POST' && hasInitialize(body)) return startSession(req, res, body);
    if (req.method === 'POST')
      return jsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    if (req.method === 'GET' || req.method === 'DELETE') {
      return jsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    return jsonRpcError(res, 405, -32000, 'Method not allowed');
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) jsonRpcError(res, 500, -32603, `Internal error: ${String(error)}`);
      else res.destroy();
    });
  });
  const port = await listen(http, host, options.port ?? 0);

  return {
    url: `http://${urlHost(host)}:${port}${MCP_PATH}`,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map(({ server }) => server.close()));
      await closeServer(http);
    },
  };
}
