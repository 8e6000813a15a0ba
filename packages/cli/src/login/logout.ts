import * as oidc from 'openid-client';
import { describeOidcError, discoverAuthorizationServer } from './authorization-server.js';
import { TokenCache } from './token-cache.js';

export interface LogoutOutcome {
  readonly removed: boolean;
  readonly revoked: boolean;
  readonly revokeProblem?: string;
}

/**
 * Revokes the refresh token (RFC 7009) when the provider has a revocation endpoint, then deletes
 * the cache whatever the provider said: logging out must work offline too.
 */
export async function logout(gateway: string, cache: TokenCache = new TokenCache()): Promise<LogoutOutcome> {
  const login = cache.read(gateway);
  if (login === undefined) return { removed: cache.remove(gateway), revoked: false };
  let revoked = false;
  let revokeProblem: string | undefined;
  if (login.refreshToken !== undefined) {
    try {
      const config = await discoverAuthorizationServer(login.issuer, login.clientId);
      if (config.serverMetadata().revocation_endpoint !== undefined) {
        await oidc.tokenRevocation(config, login.refreshToken, { token_type_hint: 'refresh_token' });
        revoked = true;
      }
    } catch (error) {
      revokeProblem = describeOidcError(error);
    }
  }
  cache.remove(gateway);
  return { removed: true, revoked, ...(revokeProblem === undefined ? {} : { revokeProblem }) };
}
