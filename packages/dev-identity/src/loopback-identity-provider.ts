import { isLoopbackHost } from '@airlock/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, {
  errors,
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { DEMO_PEOPLE, type DemoPerson } from './demo-people.js';
import { successSource, userCodeConfirmSource, userCodeInputSource } from './device-pages.js';
import { handleInteraction } from './interaction-routes.js';
import { closeServer, listen } from './loopback-server.js';

/** The public client `airlock login` uses unless told otherwise (`--client-id`). */
export const AIRLOCK_CLI_CLIENT_ID = 'airlock-cli';
/** The public client (PKCE) the gateway signs people in to its console with (gateway.console.clientId). */
export const AIRLOCK_CONSOLE_CLIENT_ID = 'airlock-console';

/** What the provider issues for one resource indicator (RFC 8707); undefined = unknown resource. */
export interface ResourceServerInfo {
  readonly audience: string;
  readonly scopes: readonly string[];
  /** `jwt` (RFC 9068, the default) or `opaque` (only introspection can tell what it is). */
  readonly format?: 'jwt' | 'opaque';
}

export interface LoopbackIdentityProviderOptions {
  /** A loopback address; anything else is refused. Default 127.0.0.1. */
  readonly host?: string;
  readonly port?: number;
  readonly people?: Readonly<Record<string, DemoPerson>>;
  /** Which resources tokens may be asked for. Default: every resource, audience = the resource, no scopes. */
  readonly resources?: (resourceUrl: string) => ResourceServerInfo | undefined;
  /** Access token lifetime; a function is asked at each issue. Default 600 s. */
  readonly accessTokenTtlSeconds?: number | (() => number | undefined);
  /**
   * Gateways (their public URLs) whose console may sign people in: registers `airlock-console`
   * with `<url>/console/auth/callback` as its redirect URI.
   */
  readonly consoleUrls?: readonly string[];
  /** Pre-registered clients besides `airlock-cli`. */
  readonly extraClients?: readonly ClientMetadata[];
  /** Clients allowed to introspect anyone's tokens (a gateway's); others only their own. */
  readonly introspectionClients?: readonly string[];
  /** RFC 7591 open dynamic client registration, for MCP clients that register themselves. Default true. */
  readonly dynamicRegistration?: boolean;
  /** Log in by `login_hint` alone, no password (tests only). Default false. */
  readonly trustLoginHint?: boolean;
  /** Skip the consent page (tests only). Default false. */
  readonly autoConsent?: boolean;
  /** Sees every request first (tests count JWKS fetches). */
  readonly onRequest?: (req: IncomingMessage) => void;
}

export interface LoopbackIdentityProvider {
  /** The issuer identifier (`iss`), also the discovery base. */
  readonly issuer: string;
  readonly people: Readonly<Record<string, DemoPerson>>;
  /** The current signing key (private JWK): tests forge tokens with it. */
  readonly signingKey: JWK;
  /** Puts a new signing key first (tokens are signed with it from now on); old keys stay published. */
  rotateKeys(): Promise<{ kid: string }>;
  close(): Promise<void>;
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * `oidc-provider` (a certified OpenID Provider) in this process, on loopback: demo people with
 * groups in their tokens, device flow, authorization code with PKCE (required), refresh tokens,
 * RFC 8707 resource indicators issuing RFC 9068 JWT access tokens with aud = the resource,
 * revocation, introspection and open dynamic registration. Storage is oidc-provider's in-memory
 * adapter: a restart logs everyone out, which is what a dev provider should do.
 *
 * Never part of a gateway: only `airlock dev` and the tests start it.
 */
export async function startLoopbackIdentityProvider(
  options: LoopbackIdentityProviderOptions = {},
): Promise<LoopbackIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`the dev identity provider listens on loopback only, not on ${host}`);
  }
  const people = options.people ?? DEMO_PEOPLE;
  const resources =
    options.resources ?? ((resource: string): ResourceServerInfo => ({ audience: resource, scopes: [] }));
  const ttlOption = options.accessTokenTtlSeconds;
  const accessTokenTtl = (): number => (typeof ttlOption === 'function' ? ttlOption() : ttlOption) ?? 600;
  const introspectionClients = new Set(options.introspectionClients ?? []);
  const keys: JWK[] = [await newSigningKey()];
  // Fresh per start: cookies of an earlier run mean nothing to this one.
  const cookieKey = randomBytes(32).toString('base64url');
  let provider: Provider | undefined;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const current = provider;
    if (current === undefined) {
      res.writeHead(503).end();
      return;
    }
    options.onRequest?.(req);
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(
        current,
        {
          people,
          trustLoginHint: options.trustLoginHint ?? false,
          autoConsent: options.autoConsent ?? false,
        },
        req,
        res,
      ).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      return;
    }
    void current.callback()(req, res);
  });
  const port = await listen(server, host, options.port ?? 0);
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const configuration = (): Configuration => ({
    clients: [
      {
        client_id: AIRLOCK_CLI_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        // RFC 8252 §7.3: for a native client any port of a loopback redirect URI matches.
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      ...consoleClients(options.consoleUrls ?? []),
      ...(options.extraClients ?? []),
    ],
    findAccount: (_ctx, id) => {
      const person = people[id];
      if (person === undefined) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          email: person.email,
          email_verified: true,
          name: person.name,
          ...(person.groups ? { groups: [...person.groups] } : {}),
        }),
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // `mcp` is the gateway's resource scope; listed here too because dynamic registration checks a
    // client's `scope` against this list, and MCP clients register with the scopes they will ask for.
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups', 'mcp'],
    // The access tokens are for the gateway, not for userinfo, so `airlock whoami` reads the person
    // from the ID token: put the scopes' claims there.
    conformIdTokenClaims: false,
    jwks: { keys: keys.map((k) => ({ ...k })) },
    cookies: { keys: [cookieKey] },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl(),
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl(),
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 86_400,
      Session: 86_400,
      Grant: 86_400,
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Groups and email go into the access token itself, so the gateway needs no userinfo call.
    extraTokenClaims: (_ctx, token) => {
      if (token.kind !== 'AccessToken' || token.accountId === undefined) return undefined;
      const person = people[token.accountId];
      if (person === undefined) return undefined;
      return { email: person.email, ...(person.groups ? { groups: [...person.groups] } : {}) };
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true, userCodeInputSource, userCodeConfirmSource, successSource },
      registration: { enabled: options.dynamicRegistration ?? true },
      introspection: {
        enabled: true,
        allowedPolicy: (ctx, client, token) =>
          introspectionClients.has(client.clientId) || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A request naming one resource gets a token for it; several need the token request to pick.
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          const info = resources(resource);
          if (info === undefined) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            audience: info.audience,
            scope: info.scopes.join(' '),
            accessTokenTTL: accessTokenTtl(),
            accessTokenFormat: info.format ?? 'jwt',
            ...(info.format === 'opaque' ? {} : { jwt: { sign: { alg: 'RS256' as const } } }),
          };
        },
      },
    },
  });

  // Key rotation rebuilds the provider around the same (module-level, in-memory) storage, so
  // sessions and grants survive it.
  const build = (): void => {
    const next = new Provider(issuer, configuration());
    next.on('server_error', (_ctx, error) => {
      process.stderr.write(`dev identity provider: ${String(error)}\n`);
    });
    provider = next;
  };
  build();

  return {
    issuer,
    people,
    get signingKey() {
      return keys[0] as JWK;
    },
    rotateKeys: async () => {
      const key = await newSigningKey();
      keys.unshift(key);
      build();
      return { kid: key.kid as string };
    },
    close: () => closeServer(server),
  };
}

/** The console's client: public (the gateway proves itself with PKCE), code flow with refresh tokens. */
function consoleClients(urls: readonly string[]): ClientMetadata[] {
  if (urls.length === 0) return [];
  const bases = urls.map((u) => u.replace(/\/+$/, ''));
  return [
    {
      client_id: AIRLOCK_CONSOLE_CLIENT_ID,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: bases.map((b) => `${b}/console/auth/callback`),
      post_logout_redirect_uris: bases.map((b) => `${b}/console/signed-out`),
    },
  ];
}
