import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC error as the gateway sent it. */
export interface GatewayRefusal {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** How the SDK's Streamable HTTP transport reports a non-2xx answer: the body follows this text. */
const POST_FAILED = 'Error POSTing to endpoint: ';

/**
 * The gateway's own JSON-RPC error when the SDK transport failed a send because the gateway
 * answered with one (403 access denied, 404 session gone, a revoked grant...), so the client
 * sees the gateway's code and message rather than "could not reach the gateway". Undefined when
 * the failure is not such an answer (the gateway was unreachable, or answered something else).
 */
export function gatewayRefusal(error: unknown): GatewayRefusal | undefined {
  const text = error instanceof Error ? error.message : '';
  const at = text.indexOf(POST_FAILED);
  if (at < 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text.slice(at + POST_FAILED.length));
  } catch {
    return undefined;
  }
  const refusal = (body as Partial<JSONRPCMessage> & { error?: unknown }).error as
    Partial<GatewayRefusal> | undefined;
  if (typeof refusal?.code !== 'number' || typeof refusal.message !== 'string') return undefined;
  return {
    code: refusal.code,
    message: refusal.message,
    ...(refusal.data !== undefined ? { data: refusal.data } : {}),
  };
}
