import { AirlockError, isLoopbackHost, type GatewayConfig } from '@airlock/core';
import * as oidc from 'openid-client';
import type { ConsolePerson, ConsoleTokens } from './console-sessions.js';

type ConsoleConfig = GatewayConfig['console'];

/** Where the identity provider sends the browser back. */
export const CONSOLE_CALLBACK_PATH = '/console/auth/callback';

/**
 * The gateway as the console's OpenID relying party: authorization code + PKCE with the first
 * configured issuer, asking for a token for the gateway itself (RFC 8707 resource = publicUrl),
 * so the console's requests carry the same kind of token `airlock login` gets and the APIs decide
 * exactly as they do for the CLI.
 */
export class ConsoleSignIn {
  private configuration: Promise<oidc.Configuration> | undefined;
  private readonly resource: string;
  readonly redirectUri: string;

  constructor(
    private readonly issuer: string,
    private readonly settings: ConsoleConfig,
    publicUrl: string,
  ) {
    this.resource = publicUrl.replace(/\/+$/, '');
    this.redirectUri = `${this.resource}${CONSOLE_CALLBACK_PATH}`;
  }

  /** The provider's authorization URL for a new sign-in. */
  async authorizationUrl(state: string, codeVerifier: string, nonce: string): Promise<URL> {
    const config = await this.config();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      resource: this.resource,
    });
  }

  /** Redeems the code on the callback URL; the ID token names the person. */
  async finish(
    callback: URL,
    expected: { state: string; codeVerifier: string; nonce: string },
  ): Promise<{ person: ConsolePerson; tokens: ConsoleTokens }> {
    const config = await this.config();
    let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      response = await oidc.authorizationCodeGrant(
        config,
        callback,
        {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
        },
        { resource: this.resource },
      );
    } catch (cause) {
      throw new AirlockError(
        'console_sign_in_failed',
        `The identity provider did not complete the sign-in (${describe(cause)}). Open the console and sign in again.`,
        { cause },
      );
    }
    const claims: Readonly<Record<string, unknown>> = response.claims() ?? {};
    const access = payloadOf(response.access_token);
    const text = (key: string): string | undefined => {
      const value = claims[key] ?? access[key];
      return typeof value === 'string' ? value : undefined;
    };
    const groups = access['groups'] ?? claims['groups'];
    const subject = text('sub');
    if (subject === undefined) {
      throw new AirlockError(
        'console_sign_in_failed',
        'The identity provider named nobody (no sub claim); an operator should check the console client at the provider.',
      );
    }
    return {
      person: {
        subject,
        ...optional('email', text('email')),
        ...optional('name', text('name')),
        groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
      },
      tokens: tokensOf(response),
    };
  }

  /** New tokens from the refresh token, or undefined when the provider refuses (the session ends). */
  async refresh(tokens: ConsoleTokens): Promise<ConsoleTokens | undefined> {
    if (tokens.refreshToken === undefined) return undefined;
    try {
      const response = await oidc.refreshTokenGrant(await this.config(), tokens.refreshToken, {
        resource: this.resource,
      });
      return tokensOf(response, tokens);
    } catch {
      return undefined;
    }
  }

  /** Ends the refresh token at the provider (best effort) and answers its end-session URL, if any. */
  async signOut(tokens: ConsoleTokens | undefined): Promise<string | undefined> {
    if (tokens === undefined) return undefined;
    const config = await this.config();
    if (tokens.refreshToken !== undefined) {
      await oidc
        .tokenRevocation(config, tokens.refreshToken, { token_type_hint: 'refresh_token' })
        .catch(() => undefined);
    }
    if (config.serverMetadata().end_session_endpoint === undefined) return undefined;
    return oidc.buildEndSessionUrl(config, {
      ...(tokens.idToken ? { id_token_hint: tokens.idToken } : {}),
    }).href;
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = undefined;
      throw error;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const url = new URL(this.issuer);
    const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
    const secretEnv = this.settings.clientSecretEnv;
    const secret = secretEnv === undefined ? undefined : process.env[secretEnv];
    if (secretEnv !== undefined && (secret === undefined || secret === '')) {
      throw new AirlockError(
        'config_invalid',
        `gateway.console.clientSecretEnv names ${secretEnv}, which is not set; set it to the console client's secret, or remove the key for a public client.`,
      );
    }
    try {
      return await oidc.discovery(
        url,
        this.settings.clientId,
        secret,
        secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret),
        { ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}), timeout: 15 },
      );
    } catch (cause) {
      throw new AirlockError(
        'identity_provider_unavailable',
        `The console cannot reach the identity provider at ${this.issuer} (${describe(cause)}); try again shortly, and if it persists an operator should check it.`,
        { cause },
      );
    }
  }
}

function tokensOf(
  response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previous?: ConsoleTokens,
): ConsoleTokens {
  const expiresIn = response.expiresIn() ?? 300;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const idToken = response.id_token ?? previous?.idToken;
  return {
    accessToken: response.access_token,
    expiresAt: Date.now() + expiresIn * 1000,
    ...(refreshToken ? { refreshToken } : {}),
    ...(idToken ? { idToken } : {}),
  };
}

function payloadOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (part === undefined) return {};
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function describe(error: unknown): string {
  const e = error as { error?: unknown; error_description?: unknown; message?: unknown };
  if (typeof e.error === 'string') {
    return typeof e.error_description === 'string' ? `${e.error}: ${e.error_description}` : e.error;
  }
  return String(e.message ?? error);
}
