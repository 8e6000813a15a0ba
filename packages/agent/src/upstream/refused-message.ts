import { AirlockError, type JsonRpcId } from '@airlock/core';

/**
 * Whether an error is Airlock refusing what an MCP server sent (not JSON, not JSON-RPC, a
 * duplicated key, nesting past MAX_JSON_DEPTH), rather than the transport failing: retrying the
 * same request would get the same answer, so the client is told what the server did instead.
 */
export function isRefusedMessage(error: unknown): error is AirlockError {
  return AirlockError.is(error, 'invalid_request') || AirlockError.is(error, 'parse_error');
}

/** The text of the error a request gets when its answer was refused. */
export function refusedAnswerText(connection: string, error: AirlockError): string {
  return `The MCP server for connection "${connection}" answered with a message Airlock refuses: ${error.message} The server sent it; retrying will not help until its owner fixes it.`;
}

/**
 * The id of the request a refused line answers, when it is a JSON-RPC response at all, so that
 * request fails at once instead of waiting forever. Reads only the top-level `id` of text that
 * JSON.parse accepts (JSON.parse is iterative, so depth is no hazard here); with `id` itself
 * duplicated it is JSON.parse's copy, which fails a request either way.
 */
export function answeredRequestId(text: string): JsonRpcId | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'method' in value)
    return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : undefined;
}
