import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { closeServer, listen } from '../http/listen.js';
import { runAuthorizationCodeFlow, toTokenSet, type TokenSet } from './authorization-code-flow.js';
import { DEMO_USERS, type TestUser } from './demo-users.js';
import { forgeToken, type ForgeTokenInput } from './forge-token.js';
import { handleInteraction } from './interaction-routes.js';

/** What the provider issues for one resource indicator (RFC 8707); undefined = unknown resource. */
export interface TestResourceServer {
  readonly audience: string;
  readonly scopes: readonly string[];
  /** `jwt` (RFC 9068, the default) or `opaque` (only introspection can tell what it is). */
  readonly format?: 'jwt' | 'opaque';
}

export interface TestIdentityProviderOptions {
  readonly host?: string;
  readonly port?: number;
  /** Default: every resource is known, audience = the resource, scopes = ['mcp']. */
  readonly resources?: (resourceUrl: string) => TestResourceServer | undefined;
  readonly users?: Readonly<Record<string, TestUser>>;
  /** Access token lifetime when a request names none. Default 600 s. */
  readonly accessTokenTtlSeconds?: number;
}

export interface IssueAccessTokenInput {
  readonly user: string;
  readonly resource: string;
  /** Resource scopes to ask for (space-separated); default: all the resource offers. */
  readonly scope?: string;
  readonly ttlSeconds?: number;
}

/** The registered clients: a public CLI client (PKCE, device flow), the gateway's introspection client, a service. */
export const TEST_CLIENTS = Object.freeze({
  cli: { clientId: 'airlock-cli', redirectUri: 'http://127.0.0.1/callback' },
  gateway: { clientId: 'airlock-gateway', clientSecret: 'gateway-introspection-secret-0123456789' },
  service: { clientId: 'airlock-service', clientSecret: 'service-client-secret-0123456789' },
});

export interface TestIdentityProvider {
  /** The issuer identifier (`iss`), also the discovery base. */
  readonly issuer: string;
  readonly users: Readonly<Record<string, TestUser>>;
  readonly clients: typeof TEST_CLIENTS;
  /** A user's access token for `resource`, from a real authorization code + PKCE flow. */
  issueAccessToken(input: IssueAccessTokenInput): Promise<string>;
  /** The whole token set (access, refresh, id token) of the same flow. */
  issueTokens(input: IssueAccessTokenInput): Promise<TokenSet>;
  /** A service (client credentials) access token for `resource`; it carries no user and no groups. */
  issueServiceToken(input: Omit<IssueAccessTokenInput, 'user'>): Promise<string>;
  /** Puts a new signing key first (tokens are signed with it from now on); old keys stay published. */
  rotateKeys(): Promise<{ kid: string }>;
  /** The current signing key's id. */
  readonly currentKid: string;
  /** A token a verifier must refuse (or accept, for `provider-key` with sane claims); see ForgeryKind. */
  forgeToken(input: Omit<ForgeTokenInput, 'signingKey' | 'issuer'> & { issuer?: string }): Promise<string>;
  /** Counts requests to the JWKS endpoint (to see a verifier refetch keys). */
  readonly jwksRequests: number;
  close(): Promise<void>;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * An in-process `oidc-provider` (a certified OpenID Provider) on loopback for tests and dev mode:
 * demo users with groups in their access tokens, RFC 8707 resource indicators issuing RFC 9068
 * JWT access tokens with aud = resource, PKCE, device flow, refresh tokens, introspection and
 * client credentials. Key rotation rebuilds the provider around the same (module-level, in-memory)
 * storage, so sessions and grants survive it.
 */
export async function startTestIdentityProvider(
  options: TestIdentityProviderOptions = {},
): Promise<TestIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  if (!/^(127(?:\.\d{1,3}){3}|::1|localhost)$/.test(host)) {
    throw new Error(`the test identity provider listens on loopback only, not on ${host}`);
  }
  const users = options.users ?? DEMO_USERS;
  const resources =
    options.resources ??
    ((resource: string): TestResourceServer => ({ audience: resource, scopes: ['mcp'] }));
  const defaultTtl = options.accessTokenTtlSeconds ?? 600;
  const keys: JWK[] = [await newSigningKey()];
  // oidc-provider takes a token's lifetime from the resource server; flows run one at a time so a
  // requested TTL reaches exactly the token being issued.
  let pendingTtl: number | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  let jwksRequests = 0;
  let provider: Provider | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const current = provider;
    if (current === undefined) {
      res.writeHead(503).end();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(current, users, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      return;
    }
    if (req.url?.startsWith('/jwks')) jwksRequests += 1;
    void current.callback()(req, res);
  });
  const port = await listen(server, host, options.port ?? 0);
  const issuer = `http://${host}:${port}`;

  const configuration = (): Configuration => ({
    clients: [
      {
        client_id: TEST_CLIENTS.cli.clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        redirect_uris: [TEST_CLIENTS.cli.redirectUri],
      },
      {
        client_id: TEST_CLIENTS.gateway.clientId,
        client_secret: TEST_CLIENTS.gateway.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: TEST_CLIENTS.service.clientId,
        client_secret: TEST_CLIENTS.service.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    findAccount: (_ctx, id) => {
      const user = users[id];
      if (user === undefined) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: user.email,
          email_verified: true,
          name: user.name,
          ...(user.groups ? { groups: [...user.groups] } : {}),
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    jwks: { keys: keys.map((k) => ({ ...k })) },
    cookies: { keys: ['airlock-testkit-cookie-key'] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? defaultTtl,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? defaultTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 86_400,
      Session: 86_400,
      Grant: 86_400,
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Groups and email go into the access token itself, so a resource server needs no userinfo call.
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'AccessToken' || token.accountId === undefined) return undefined;
      const user = users[token.accountId];
      if (user === undefined) return undefined;
      return { email: user.email, ...(user.groups ? { groups: [...user.groups] } : {}) };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      introspection: {
        enabled: true,
        // The gateway's client may introspect anyone's tokens (that is its job); others only their own.
        allowedPolicy: (ctx, client, token) =>
          client.clientId === TEST_CLIENTS.gateway.clientId || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          const info = resources(resource);
          if (info === undefined) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            audience: info.audience,
            scope: info.scopes.join(' '),
            accessTokenTTL: pendingTtl ?? defaultTtl,
            accessTokenFormat: info.format ?? 'jwt',
            ...(info.format === 'opaque' ? {} : { jwt: { sign: { alg: 'RS256' as const } } }),
          };
        },
      },
    },
  });

  const build = (): void => {
    const next = new Provider(issuer, configuration());
    next.on('server_error', (_ctx, error) => {
      process.stderr.write(`test identity provider: ${String(error)}\n`);
    });
    provider = next;
  };
  build();

  const resourceScope = (resource: string, scope: string | undefined): string => {
    if (scope !== undefined) return scope;
    return resources(resource)?.scopes.join(' ') ?? '';
  };

  const issueTokens = (input: IssueAccessTokenInput): Promise<TokenSet> =>
    serially(async () => {
      pendingTtl = input.ttlSeconds;
      try {
        return await runAuthorizationCodeFlow({
          issuer,
          clientId: TEST_CLIENTS.cli.clientId,
          redirectUri: TEST_CLIENTS.cli.redirectUri,
          user: input.user,
          resource: input.resource,
          scope: `openid email groups offline_access ${resourceScope(input.resource, input.scope)}`.trim(),
        });
      } finally {
        pendingTtl = undefined;
      }
    });

  return {
    issuer,
    users,
    clients: TEST_CLIENTS,
    issueTokens,
    issueAccessToken: async (input) => (await issueTokens(input)).accessToken,
    issueServiceToken: (input) =>
      serially(async () => {
        pendingTtl = input.ttlSeconds;
        try {
          const basic = Buffer.from(
            `${TEST_CLIENTS.service.clientId}:${TEST_CLIENTS.service.clientSecret}`,
          ).toString('base64');
          const response = await fetch(new URL('/token', issuer), {
            method: 'POST',
            headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              resource: input.resource,
              scope: resourceScope(input.resource, input.scope),
            }),
          });
          const body = (await response.json()) as Record<string, unknown>;
          if (!response.ok) throw new Error(`client credentials refused: ${JSON.stringify(body)}`);
          return toTokenSet(body).accessToken;
        } finally {
          pendingTtl = undefined;
        }
      }),
    rotateKeys: async () => {
      const key = await newSigningKey();
      keys.unshift(key);
      build();
      return { kid: key.kid as string };
    },
    get currentKid() {
      return keys[0]?.kid as string;
    },
    forgeToken: (input) => forgeToken({ issuer, ...input, signingKey: keys[0] as JWK }),
    get jwksRequests() {
      return jwksRequests;
    },
    close: () => closeServer(server),
  };
}
