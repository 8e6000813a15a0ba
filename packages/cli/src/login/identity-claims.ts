import type { CachedLogin } from './token-cache.js';

/** Who a cached login belongs to, as `airlock whoami` shows it. Never a token. */
export interface LoginIdentity {
  readonly subject: string | undefined;
  readonly email: string | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
}

function payloadOf(jwt: string | undefined): Record<string, unknown> {
  const part = jwt?.split('.')[1];
  if (part === undefined) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The person from the ID token (openid-client checked it when the provider issued it), topped up
 * from the gateway token's claims (some providers put groups only in access tokens).
 */
export function identityOf(login: CachedLogin): LoginIdentity {
  const id = payloadOf(login.idToken);
  const access = payloadOf(login.accessTokens[login.gatewayResource]?.token);
  const text = (key: string): string | undefined => {
    const value = id[key] ?? access[key];
    return typeof value === 'string' ? value : undefined;
  };
  const groups = id['groups'] ?? access['groups'];
  return {
    subject: text('sub'),
    email: text('email'),
    name: text('name'),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
  };
}
