import { expect } from 'vitest';

/**
 * Raw Streamable HTTP for tests that must send what no SDK client would (malformed bodies, wrong
 * headers) or read exactly what the gateway answered (status, JSON-RPC error code, message).
 */

export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

export const MCP_POST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
});

export interface RpcError {
  readonly code: number;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

export interface McpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Every JSON-RPC message of the answer: the JSON body, or each SSE `data:` event. */
  readonly messages: readonly Record<string, unknown>[];
  readonly text: string;
}

export interface PostOptions {
  readonly sessionId?: string;
  readonly headers?: Record<string, string>;
  readonly method?: 'POST' | 'GET' | 'DELETE';
}

/** Sends one request (a JSON value, or raw text as is) and reads the whole answer. */
export async function mcpPost(url: string, body: unknown, options: PostOptions = {}): Promise<McpAnswer> {
  const headers: Record<string, string> = { ...MCP_POST_HEADERS, ...options.headers };
  if (options.sessionId !== undefined) headers['mcp-session-id'] = options.sessionId;
  const method = options.method ?? 'POST';
  const response = await fetch(url, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return readAnswer(response);
}

export async function readAnswer(response: Response): Promise<McpAnswer> {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let messages: Record<string, unknown>[] = [];
  if (type.startsWith('text/event-stream')) {
    messages = parseSse(text);
  } else if (type.startsWith('application/json') && text.length > 0) {
    messages = [JSON.parse(text) as Record<string, unknown>];
  }
  return { status: response.status, headers: response.headers, messages, text };
}

/** The `data:` payloads of an SSE body, parsed as JSON (comments and empty events skipped). */
export function parseSse(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data.length > 0) out.push(JSON.parse(data) as Record<string, unknown>);
  }
  return out;
}

/** The JSON-RPC error of an answer; fails the test when there is none. */
export function rpcErrorOf(answer: McpAnswer): RpcError {
  const last = answer.messages.at(-1);
  expect(
    last,
    `expected a JSON-RPC error body, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`,
  ).toHaveProperty('error');
  return (last as { error: RpcError }).error;
}

/** Asserts HTTP status, JSON-RPC code and that the message matches every pattern given. */
export function expectRpcError(
  answer: McpAnswer,
  status: number,
  code: number,
  ...patterns: RegExp[]
): RpcError {
  const error = rpcErrorOf(answer);
  expect({ status: answer.status, code: error.code }, error.message).toEqual({ status, code });
  for (const pattern of patterns) expect(error.message).toMatch(pattern);
  return error;
}

/** The result of the final response of an answer; fails the test on an error. */
export function resultOf(answer: McpAnswer): Record<string, unknown> {
  const last = answer.messages.at(-1);
  expect(
    last,
    `expected a JSON-RPC result, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`,
  ).toHaveProperty('result');
  return (last as { result: Record<string, unknown> }).result;
}

export function initializeRequest(
  id: number | string = 1,
  protocolVersion = LEGACY_VERSION,
): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'airlock-e2e-raw', version: '1.0.0' } },
  };
}

export function toolCall(
  id: number | string,
  name: string,
  args: Record<string, unknown>,
): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** A 2025-era session opened by hand: initialize, then notifications/initialized. */
export async function openRawSession(url: string, protocolVersion = LEGACY_VERSION): Promise<string> {
  const init = await mcpPost(url, initializeRequest(1, protocolVersion));
  resultOf(init);
  const sessionId = init.headers.get('mcp-session-id');
  expect(sessionId, 'initialize answered without Mcp-Session-Id').toBeTruthy();
  const initialized = await mcpPost(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { sessionId: sessionId as string, headers: { 'mcp-protocol-version': protocolVersion } },
  );
  expect(initialized.status).toBe(202);
  return sessionId as string;
}

/** A 2026-07-28 stateless tool call: body with `_meta` and the standard headers mirroring it. */
export function modernToolCall(
  id: number,
  name: string,
  args: Record<string, unknown>,
): { body: Record<string, unknown>; headers: Record<string, string> } {
  return {
    body: {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          [META_VERSION]: MODERN_VERSION,
          'io.modelcontextprotocol/clientInfo': { name: 'airlock-e2e-raw', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name },
  };
}

export function textOf(result: unknown): string {
  const content = (result as { content: { type: string; text?: string }[] }).content;
  return content.map((c) => c.text ?? '').join('');
}
