import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The fastest honest MCP upstream for benchmarks: plain `node:http`, no SDK, no validation beyond
 * JSON. It speaks just enough 2025-era Streamable HTTP for a session (`initialize` with a session
 * id, notifications → 202, `tools/list`, `tools/call echo {text}`, `ping`, DELETE) and answers
 * every request with one JSON body. Against it, a relay benchmark shows what the relay itself costs.
 */
export interface RawEchoHttp {
  readonly url: string;
  close(): Promise<void>;
}

const ECHO_TOOL = {
  name: 'echo',
  description: 'Returns its text',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
};

interface JsonRpcRequest {
  id?: string | number;
  method?: string;
  params?: { protocolVersion?: string; name?: string; arguments?: { text?: unknown } };
}

function resultFor(request: JsonRpcRequest): unknown {
  switch (request.method) {
    case 'initialize':
      return {
        protocolVersion: request.params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'raw-echo', version: '1.0.0' },
      };
    case 'tools/list':
      return { tools: [ECHO_TOOL] };
    case 'tools/call':
      return { content: [{ type: 'text', text: String(request.params?.arguments?.text ?? '') }] };
    default:
      return {};
  }
}

function answer(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    })
    .end(text);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method === 'DELETE') return answer(res, 200);
  if (req.method !== 'POST') return answer(res, 405, undefined, { allow: 'POST, DELETE' });
  let request: JsonRpcRequest;
  try {
    request = JSON.parse(body) as JsonRpcRequest;
  } catch {
    return answer(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  }
  if (request.id === undefined) return answer(res, 202);
  if (
    request.method !== 'initialize' &&
    request.method !== 'tools/list' &&
    request.method !== 'tools/call' &&
    request.method !== 'ping'
  ) {
    return answer(res, 200, {
      jsonrpc: '2.0',
      id: request.id,
      error: { code: -32601, message: `Method not found: ${String(request.method)}` },
    });
  }
  const headers: Record<string, string> =
    request.method === 'initialize' ? { 'mcp-session-id': randomUUID() } : {};
  answer(res, 200, { jsonrpc: '2.0', id: request.id, result: resultFor(request) }, headers);
}

export async function startRawEchoHttp({ host = '127.0.0.1', port = 0 } = {}): Promise<RawEchoHttp> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
