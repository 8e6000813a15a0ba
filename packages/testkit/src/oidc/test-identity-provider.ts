import { AIRLOCK_CLI_CLIENT_ID, startLoopbackIdentityProvider } from '@airlock/dev-identity';
import { runAuthorizationCodeFlow, toTokenSet, type TokenSet } from './authorization-code-flow.js';
import { DEMO_USERS, type TestUser } from './demo-users.js';
import { forgeToken, type ForgeTokenInput } from './forge-token.js';

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
  /** Gateways whose console may sign people in (registers the `airlock-console` client for them). */
  readonly consoleUrls?: readonly string[];
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
  cli: { clientId: AIRLOCK_CLI_CLIENT_ID, redirectUri: 'http://127.0.0.1/callback' },
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
  /** Counts requests for the provider's metadata (OIDC discovery). */
  readonly discoveryRequests: number;
  close(): Promise<void>;
}

/**
 * The dev identity provider (`@airlock/dev-identity`, what `airlock dev` runs) set up for tests:
 * demo users logged in by `login_hint` without a password or a consent page, the gateway's
 * introspection client, a client-credentials service, and a per-flow access token lifetime.
 */
export async function startTestIdentityProvider(
  options: TestIdentityProviderOptions = {},
): Promise<TestIdentityProvider> {
  const users = options.users ?? DEMO_USERS;
  const resources =
    options.resources ??
    ((resource: string): TestResourceServer => ({ audience: resource, scopes: ['mcp'] }));
  const defaultTtl = options.accessTokenTtlSeconds ?? 600;
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
  let discoveryRequests = 0;

  const idp = await startLoopbackIdentityProvider({
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    people: users,
    resources,
    accessTokenTtlSeconds: () => pendingTtl ?? defaultTtl,
    trustLoginHint: true,
    autoConsent: true,
    introspectionClients: [TEST_CLIENTS.gateway.clientId],
    ...(options.consoleUrls === undefined ? {} : { consoleUrls: options.consoleUrls }),
    extraClients: [
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
    onRequest: (req) => {
      if (req.url?.startsWith('/jwks')) jwksRequests += 1;
      if (req.url?.startsWith('/.well-known/openid-configuration')) discoveryRequests += 1;
    },
  });
  const issuer = idp.issuer;

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
    rotateKeys: () => idp.rotateKeys(),
    get currentKid() {
      return idp.signingKey.kid as string;
    },
    forgeToken: (input) => forgeToken({ issuer, ...input, signingKey: idp.signingKey }),
    get jwksRequests() {
      return jwksRequests;
    },
    get discoveryRequests() {
      return discoveryRequests;
    },
    close: () => idp.close(),
  };
}
