import { AirlockError } from '@airlock/core/client';
import { discoverAuthorizationServer } from './authorization-server.js';
import { connectionUrl } from './gateway-url.js';
import { loginWithBrowser, loginWithDevice, type LoginRequest } from './login-flows.js';
import { fetchResourceMetadata } from './resource-metadata.js';
import { TokenCache, type CachedLogin } from './token-cache.js';

export interface LoginOptions {
  readonly gateway: string;
  /** Connections the login must cover; those of an earlier login to the same gateway are kept. */
  readonly connections: readonly string[];
  readonly clientId: string;
  readonly flow: 'device' | 'browser';
  readonly say: (line: string) => void;
  readonly cache?: TokenCache;
}

/** Asked for when the provider offers them: who the person is, their groups, and a refresh token. */
const WANTED_OIDC_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'];

/**
 * `airlock login`: find the authorization server from the gateway's RFC 9728 metadata, run the
 * device or browser flow asking for every resource the login should cover (the gateway itself and
 * each connection), and cache the result for this gateway.
 */
export async function performLogin(options: LoginOptions): Promise<{ file: string; login: CachedLogin }> {
  const { gateway } = options;
  const cache = options.cache ?? new TokenCache();
  const root = await fetchResourceMetadata(gateway, `The gateway at ${gateway}`);
  const issuer = root.authorizationServers[0] as string;
  const previous = cache.read(gateway);
  const names = [
    ...new Set([
      ...(previous !== undefined && previous.issuer === issuer ? Object.keys(previous.connections) : []),
      ...options.connections,
    ]),
  ];
  const connections: Record<string, string> = {};
  for (const name of names) {
    const resource = connectionUrl(root.resource.replace(/\/+$/, ''), name);
    const metadata = await fetchResourceMetadata(resource, `The gateway at ${gateway}`).catch(
      (error: unknown) => {
        const failure = AirlockError.from(error);
        throw failure.code === 'connection_not_found'
          ? new AirlockError('connection_not_found', `The gateway at ${gateway} has no connection "${name}".`)
          : failure;
      },
    );
    connections[name] = metadata.resource;
  }
  const config = await discoverAuthorizationServer(issuer, options.clientId);
  const offered = config.serverMetadata().scopes_supported;
  const scope = [
    ...WANTED_OIDC_SCOPES.filter((s) => s === 'openid' || offered === undefined || offered.includes(s)),
    ...root.scopes,
  ].join(' ');
  const request: LoginRequest = {
    scope,
    resources: [root.resource, ...Object.values(connections)],
    tokenResource: root.resource,
    say: options.say,
  };
  const response =
    options.flow === 'device'
      ? await loginWithDevice(config, request)
      : await loginWithBrowser(config, request);
  const now = Date.now();
  const expiresIn = response.expiresIn();
  const login: CachedLogin = {
    version: 1,
    gateway,
    issuer,
    clientId: options.clientId,
    gatewayResource: root.resource,
    connections,
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    ...(response.id_token === undefined ? {} : { idToken: response.id_token }),
    accessTokens: {
      [root.resource]: {
        token: response.access_token,
        issuedAt: now,
        ...(expiresIn === undefined ? {} : { expiresAt: now + expiresIn * 1000 }),
      },
    },
  };
  return { file: cache.write(login), login };
}
