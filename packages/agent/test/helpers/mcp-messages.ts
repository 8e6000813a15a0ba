import { randomUUID } from 'node:crypto';
import { ANONYMOUS_CALLER, type JsonRpcMessage, type SessionOpenRequest } from '@airlock/core';

export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';

export function openRequest(
  connection: string,
  overrides: Partial<SessionOpenRequest> = {},
): SessionOpenRequest {
  return {
    sessionId: randomUUID(),
    connection,
    caller: ANONYMOUS_CALLER,
    era: 'legacy',
    protocolVersion: LEGACY_VERSION,
    kind: 'session',
    forwardHeaders: {},
    ...overrides,
  };
}

export function initialize(id: number, capabilities: Record<string, unknown> = {}): JsonRpcMessage {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: LEGACY_VERSION,
      capabilities,
      clientInfo: { name: 'airlock-agent-test', version: '1.0.0' },
    },
  };
}

export const initialized: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };

export function request(id: number, method: string, params?: Record<string, unknown>): JsonRpcMessage {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

export function toolCall(
  id: number,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
): JsonRpcMessage {
  return request(id, 'tools/call', { name, arguments: args, ...(meta ? { _meta: meta } : {}) });
}

/** The `_meta` envelope every 2026-07-28 request carries. */
export function modernMeta(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': { name: 'airlock-agent-test', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
    ...extra,
  };
}

/** The text of the first content block of a tools/call result. */
export function resultText(message: JsonRpcMessage): string {
  if (!('result' in message))
    throw new Error(`expected a result, got ${JSON.stringify(message).slice(0, 500)}`);
  const content = message.result['content'] as { type: string; text?: string }[];
  return content[0]?.text ?? '';
}
