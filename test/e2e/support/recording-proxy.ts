import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the agent made to the upstream, as the proxy saw it. */
export interface ProxiedRequest {
  readonly httpMethod: string;
  readonly sessionId: string | undefined;
  /** The JSON-RPC method of a POSTed message (undefined for a response or a non-POST). */
  readonly rpcMethod: string | undefined;
  readonly body: Record<string, unknown> | undefined;
  /** The request headers as the agent sent them (to prove what never reaches an upstream). */
  readonly headers: IncomingHttpHeaders;
  readonly status: Promise<number>;
}

export interface RecordingProxy {
  /** Use this as the connection's `url`. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Upstream requests still open (including GET streams and SSE answers being streamed). */
  inFlight(filter?: (r: ProxiedRequest) => boolean): number;
  close(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of an MCP server, so tests can see what the agent actually
 * sent upstream (a DELETE, a notifications/cancelled) and which upstream requests are still open.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  const open = new Set<ProxiedRequest>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> | undefined;
      try {
        body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      let settle!: (status: number) => void;
      const entry: ProxiedRequest = {
        httpMethod: req.method ?? 'GET',
        sessionId: req.headers['mcp-session-id'] as string | undefined,
        rpcMethod: typeof body?.['method'] === 'string' ? body['method'] : undefined,
        body,
        headers: { ...req.headers },
        status: new Promise((resolve) => (settle = resolve)),
      };
      requests.push(entry);
      open.add(entry);
      const done = () => open.delete(entry);
      res.once('close', done);
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          settle(answer.statusCode ?? 0);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => {
        settle(502);
        res.destroy();
      });
      // The agent aborting its request (or the proxy's client going away) ends the upstream side too.
      res.once('close', () => out.destroy());
      out.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    requests,
    inFlight: (filter) => [...open].filter(filter ?? (() => true)).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
