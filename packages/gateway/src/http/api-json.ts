import type { ServerResponse } from 'node:http';
import type { AirlockError } from '@airlock/core';

/** Answers an `/api/...` request with JSON that no cache may keep (answers carry tokens, records). */
export function sendApiJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** `{ error: { code, message } }` with the catalogue's HTTP status and any challenge / Allow header. */
export function sendApiError(res: ServerResponse, failure: AirlockError): void {
  if (res.headersSent) {
    // Mid-stream (an export): cut the body short so the client sees a truncated answer, not a whole one.
    res.destroy();
    return;
  }
  const challenge = failure.data?.['wwwAuthenticate'];
  const allow = failure.data?.['allow'];
  sendApiJson(
    res,
    failure.httpStatus,
    { error: { code: failure.code, message: failure.message } },
    {
      ...(typeof challenge === 'string' ? { 'www-authenticate': challenge } : {}),
      ...(typeof allow === 'string' ? { allow } : {}),
    },
  );
}
