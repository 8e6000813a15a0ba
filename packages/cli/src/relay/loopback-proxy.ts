import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AirlockError, isLoopbackHost, listenFailure } from '@airlock/core/client';
import type { GatewayCredentials } from '../login/gateway-credentials.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Hop-by-hop headers (RFC 9110 §7.6.1) and what the proxy sets itself. */
const DROP_REQUEST = new Set([
  'authorization',
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'cookie',
]);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'trailer', 'upgrade']);

export interface LoopbackProxyOptions {
  readonly host: string;
  readonly port: number;
  readonly gateway: string;
  readonly credentials: GatewayCredentials;
  readonly log: (line: string) => void;
}

export interface LoopbackProxy {
  readonly url: string;
  close(): Promise<void>;
}

function hostOf(header: string | undefined): string {
  if (header === undefined) return '';
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return '';
  }
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: 'invalid_request', message } });
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    .end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new AirlockError('body_too_large', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method, headers, signal },
      resolve,
    );
    request.on('error', reject);
    request.end(body.length > 0 ? body : undefined);
  });
}

/**
 * `airlock proxy`: a loopback HTTP endpoint relaying `/mcp/<connection>` to the gateway with the
 * login's token, for tools that cannot do OAuth. Bodies of responses (JSON or SSE) stream through
 * unbuffered. Because the proxy lends the person's identity to whoever can reach it, it listens on
 * loopback only and refuses browser-borne requests: a Host that is not loopback (DNS rebinding) or
 * an Origin that is not loopback (a web page calling it).
 */
export async function startLoopbackProxy(options: LoopbackProxyOptions): Promise<LoopbackProxy> {
  if (!isLoopbackHost(options.host)) {
    throw new AirlockError(
      'config_invalid',
      `airlock proxy lends your login to anyone who can reach it, so it listens on loopback only, not on ${options.host}. Use 127.0.0.1.`,
    );
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const match = /^\/mcp\/([^/]+)$/.exec(path);
    if (match === null) return refuse(res, 404, `airlock proxy serves /mcp/<connection> only, not ${path}`);
    if (!isLoopbackHost(hostOf(req.headers.host)))
      return refuse(res, 403, 'the Host header must name a loopback address');
    const origin = req.headers.origin;
    if (origin !== undefined && !isLoopbackHost(hostOf(origin.replace(/^[a-z]+:\/\//i, '')))) {
      return refuse(res, 403, `requests from web pages (Origin ${origin}) are refused`);
    }
    const connection = decodeURIComponent(match[1] as string);
    const body = await readBody(req);
    const target = new URL(`${options.gateway}/mcp/${encodeURIComponent(connection)}`);
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!DROP_REQUEST.has(name) && value !== undefined) headers[name] = value;
    }
    if (body.length > 0) headers['content-length'] = body.length;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let token = await options.credentials.accessToken(connection);
    let upstream = await send(
      target,
      req.method ?? 'GET',
      { ...headers, authorization: `Bearer ${token}` },
      body,
      abort.signal,
    );
    if (upstream.statusCode === 401) {
      upstream.resume();
      token = await options.credentials.accessToken(connection, token);
      upstream = await send(
        target,
        req.method ?? 'GET',
        { ...headers, authorization: `Bearer ${token}` },
        body,
        abort.signal,
      );
    }
    const responseHeaders: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (!DROP_RESPONSE.has(name) && value !== undefined) responseHeaders[name] = value;
    }
    res.writeHead(upstream.statusCode ?? 502, responseHeaders);
    res.flushHeaders();
    upstream.pipe(res);
    upstream.on('error', () => res.destroy());
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (abortLike(error)) return;
      const failure = AirlockError.from(error);
      options.log(`airlock proxy: ${failure.message}`);
      if (!res.headersSent) {
        const status =
          failure.code === 'unauthenticated' ? 401 : failure.code === 'body_too_large' ? 413 : 502;
        refuse(res, status, failure.message);
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(listenFailure(cause, 'the local proxy', `${options.host}:${options.port}`, '--port')),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function abortLike(error: unknown): boolean {
  return (error as { name?: unknown }).name === 'AbortError';
}
