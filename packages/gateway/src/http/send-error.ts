import type { ServerResponse } from 'node:http';
import { AirlockError, errorResponse, type JsonRpcId } from '@airlock/core';

/**
 * Answers an HTTP request with an Airlock error: the catalogue's HTTP status and a JSON-RPC error
 * body (MCP clients parse it), carrying the request id when one was read.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  id: JsonRpcId | null = null,
  headers: Record<string, string> = {},
): void {
  const failure = AirlockError.from(error);
  if (res.headersSent) {
    res.end();
    return;
  }
  const rpcError = failure.toJsonRpcError();
  // An authentication challenge travels as the WWW-Authenticate header (RFC 6750, RFC 9728), not in the body.
  const challenge = rpcError.data['wwwAuthenticate'];
  delete rpcError.data['wwwAuthenticate'];
  const body = JSON.stringify(errorResponse(id, rpcError));
  res.writeHead(failure.httpStatus, {
    ...headers,
    ...(typeof challenge === 'string' ? { 'www-authenticate': challenge } : {}),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
