import { AirlockError, isAirlockErrorCode } from '@airlock/core/client';

/** Where the admin API is, and the access token to call it with (none for a dev gateway). */
export interface AdminTarget {
  readonly gatewayUrl: string;
  readonly token: string | undefined;
}

const TIMEOUT_MS = 15_000;

/**
 * Calls the gateway's admin API and returns the parsed JSON answer. A refusal becomes an
 * AirlockError carrying the gateway's code and message (which say what to do).
 */
export async function callAdminApi<T>(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetchAdminApi(target, method, path, { accept: 'application/json', body });
  const text = await response.text();
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch {
    return undefined as T;
  }
}

/**
 * Calls the gateway's API and returns the successful response unread (for streamed answers such
 * as an export); a refusal becomes an AirlockError like in callAdminApi.
 */
export async function fetchAdminApi(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: {
    accept?: string;
    body?: unknown;
    timeoutMs?: number;
    /** Ends the request instead of the timeout (a stream that may last hours). */
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const { body } = options;
  const url = `${target.gatewayUrl.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: options.accept ?? 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
        ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: options.signal ?? AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
    });
  } catch (cause) {
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
    throw new AirlockError(
      'internal',
      `Cannot reach the gateway at ${target.gatewayUrl} (${reason}). Pass its URL with --gateway or set AIRLOCK_GATEWAY.`,
      { cause },
    );
  }
  if (response.ok) return response;
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' && isAirlockErrorCode(error.code) ? error.code : 'internal';
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `The gateway at ${target.gatewayUrl} answered ${response.status} ${response.statusText} to ${method} ${path}; is this an Airlock gateway?`;
  throw new AirlockError(code, message, { data: { httpStatus: response.status } });
}
