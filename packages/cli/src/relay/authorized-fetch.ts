import { withOwnAbortSignal } from '@airlock/core/client';
import type { GatewayCredentials } from '../login/gateway-credentials.js';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` with the cached login's token for `connection`. A 401 means the token expired early or
 * was revoked: refresh once and retry (request bodies here are strings, so they can be resent).
 * Any Authorization the caller set is replaced: only the login's token goes to the gateway.
 */
export function authorizedFetch(credentials: GatewayCredentials, connection: string): Fetch {
  const withToken = (init: RequestInit | undefined, token: string): RequestInit => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    // The transport's one signal is passed to every request: each gets its own that follows it.
    return { ...withOwnAbortSignal(init), headers };
  };
  return async (input, init) => {
    const token = await credentials.accessToken(connection);
    const response = await fetch(input, withToken(init, token));
    if (response.status !== 401) return response;
    await response.body?.cancel();
    return fetch(input, withToken(init, await credentials.accessToken(connection, token)));
  };
}
