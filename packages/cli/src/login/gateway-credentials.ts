import { AirlockError } from '@airlock/core/client';
import * as oidc from 'openid-client';
import { describeOidcError, discoverAuthorizationServer, oauthErrorCode } from './authorization-server.js';
import { connectionUrl } from './gateway-url.js';
import { TokenCache, type CachedAccessToken, type CachedLogin } from './token-cache.js';

/** Refresh this long before expiry at most (half the lifetime for short-lived tokens). */
const REFRESH_MARGIN_MS = 60_000;

function isFresh(entry: CachedAccessToken | undefined, now: number): entry is CachedAccessToken {
  if (entry === undefined) return false;
  if (entry.expiresAt === undefined) return true;
  const margin = Math.min(REFRESH_MARGIN_MS, (entry.expiresAt - entry.issuedAt) / 2);
  return entry.expiresAt - now > margin;
}

/**
 * The cached login of one gateway, handing out access tokens. One token per resource: the gateway
 * expects aud = `<publicUrl>/mcp/<connection>` (and `<publicUrl>` for its own API), so a token for
 * one connection cannot be replayed at another. Tokens are fetched on demand with the refresh token
 * and the RFC 8707 `resource` of the connection, and refreshed when near expiry.
 */
export class GatewayCredentials {
  private config: oidc.Configuration | undefined;

  constructor(
    readonly gateway: string,
    readonly cache: TokenCache = new TokenCache(),
  ) {}

  /** The login, or an error telling the person how to log in. */
  login(): CachedLogin {
    const login = this.cache.read(this.gateway);
    if (login === undefined) {
      const chosenBy =
        this.cache.chosenBy === undefined ? '' : `; the folder comes from ${this.cache.chosenBy}`;
      throw new AirlockError(
        'unauthenticated',
        `You are not logged in to ${this.gateway}. Run: airlock login --gateway ${this.gateway}\n` +
          `(No login in ${this.cache.fileOf(this.gateway)}${chosenBy}. If you did log in, this process ` +
          `has another environment than the shell you logged in from, as when an MCP client starts it ` +
          `without HOME or XDG_CONFIG_HOME: set AIRLOCK_HOME to the folder that holds the tokens/ ` +
          `folder airlock login printed, e.g. in the client's "env" for this server.)`,
      );
    }
    return login;
  }

  /** The resource URL tokens for `connection` (or, without one, for the gateway itself) are issued for. */
  resourceOf(connection?: string): string {
    const login = this.login();
    if (connection === undefined) return login.gatewayResource;
    return (
      login.connections[connection] ?? connectionUrl(login.gatewayResource.replace(/\/+$/, ''), connection)
    );
  }

  /**
   * A valid access token for `connection` (or the gateway itself). `rejected`: a token the gateway
   * just answered 401 to; a different cached one (another process refreshed) is tried first, else
   * the token is refreshed even if it looks unexpired.
   */
  async accessToken(connection?: string, rejected?: string): Promise<string> {
    const resource = this.resourceOf(connection);
    const cached = this.login().accessTokens[resource];
    if (isFresh(cached, Date.now()) && cached.token !== rejected) return cached.token;
    return this.cache.withLock(this.gateway, async () => {
      // Another process may have refreshed while this one waited for the lock.
      const login = this.login();
      const current = login.accessTokens[resource];
      if (isFresh(current, Date.now()) && current.token !== rejected) return current.token;
      return this.refresh(login, resource, connection);
    });
  }

  private async refresh(
    login: CachedLogin,
    resource: string,
    connection: string | undefined,
  ): Promise<string> {
    const relogin = `Run: airlock login --gateway ${this.gateway}${connection === undefined ? '' : ` --connection ${connection}`}`;
    if (login.refreshToken === undefined) {
      throw new AirlockError(
        'unauthenticated',
        `Your login to ${this.gateway} has expired and cannot be refreshed. ${relogin}`,
      );
    }
    this.config ??= await discoverAuthorizationServer(login.issuer, login.clientId);
    let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      response = await oidc.refreshTokenGrant(this.config, login.refreshToken, { resource });
    } catch (cause) {
      const code = oauthErrorCode(cause);
      if (code === 'invalid_target') {
        throw new AirlockError(
          'unauthenticated',
          `Your login to ${this.gateway} does not cover ${connection === undefined ? 'the gateway' : `connection "${connection}"`}. ${relogin}`,
          { cause },
        );
      }
      if (code === 'invalid_grant') {
        throw new AirlockError(
          'unauthenticated',
          `Your login to ${this.gateway} has expired or was revoked. ${relogin}`,
          { cause },
        );
      }
      throw new AirlockError(
        'identity_provider_unavailable',
        `Could not refresh the login to ${this.gateway} at ${login.issuer} (${describeOidcError(cause)}).`,
        { cause },
      );
    }
    const now = Date.now();
    const expiresIn = response.expiresIn();
    const updated: CachedLogin = {
      ...login,
      refreshToken: response.refresh_token ?? login.refreshToken,
      idToken: response.id_token ?? login.idToken,
      accessTokens: {
        ...login.accessTokens,
        [resource]: {
          token: response.access_token,
          issuedAt: now,
          ...(expiresIn === undefined ? {} : { expiresAt: now + expiresIn * 1000 }),
        },
      },
    };
    this.cache.write(updated);
    return response.access_token;
  }
}

/**
 * For `airlock agents ...`: the cached login's token for the gateway's own API, or undefined when
 * this gateway has no login (a dev gateway without authentication needs none).
 */
export async function cachedGatewayToken(gatewayUrl: string): Promise<string | undefined> {
  const credentials = new GatewayCredentials(gatewayUrl.replace(/\/+$/, ''));
  if (credentials.cache.read(credentials.gateway) === undefined) return undefined;
  return credentials.accessToken();
}
