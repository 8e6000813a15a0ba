import { createHash } from 'node:crypto';
import {
  AirlockError,
  childLogger,
  type Caller,
  type GatewayConfig,
  type IdentityResolver,
} from '@airlock/core';
import { decodeJwt, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import { AuthChallenges } from './bearer-challenge.js';
import { readBearerToken, tokenShape } from './bearer-token.js';
import { callerFromClaims, claimAtPath, groupsFromClaim, scopesOf } from './caller-from-claims.js';
import { KeysUnavailable, TokenRejected, verifyJwtAccessToken } from './jwt-access-token.js';
import type { OidcAuthConfig } from './oidc-types.js';
import { resourceMetadataUrl, resourceUrl } from './resource-url.js';
import { introspectAccessToken } from './token-introspection.js';
import { trustedIssuers, type FetchImplementation, type TrustedIssuer } from './trusted-issuer.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

export interface OidcIdentityOptions {
  readonly logger: Logger;
  /** Replaces `fetch` towards the identity providers (discovery, JWKS, introspection). */
  readonly fetch?: FetchImplementation;
  /** Minimum time between JWKS refetches caused by an unknown `kid` (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** How long a failed discovery is remembered before a request retries it (default 5 s). */
  readonly retryAfterMs?: number;
  readonly timeoutMs?: number;
  readonly cacheMaxEntries?: number;
  /**
   * What the tokens are for: each connection's resource URL (`<publicUrl>/mcp/<connection>`, the
   * default), or the gateway itself (`<publicUrl>`, the admin API). Ignored when an issuer
   * configures `audience`.
   */
  readonly resource?: 'connection' | 'gateway';
  /**
   * The gateway's providers, shared with its other resolvers (see `trustedIssuers`); made here
   * from `auth.issuers` when absent. `fetch`, `jwksCooldownMs`, `retryAfterMs` and `timeoutMs`
   * apply only then.
   */
  readonly issuers?: readonly TrustedIssuer[];
}

/** A verified JWT is trusted for at most this long without checking again (and never past `exp`). */
const JWT_CACHE_MS = 5 * 60_000;
/** Introspection exists so revocation takes effect: re-ask the provider at least this often. */
const INTROSPECTION_CACHE_MS = 60_000;

const LOGIN_HINT =
  'Log in with "airlock login", or let your MCP client follow the resource_metadata URL in the WWW-Authenticate header.';

interface Accepted {
  readonly claims: Readonly<Record<string, unknown>>;
  readonly issuer: TrustedIssuer;
  readonly cacheUntil: number;
}

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function expiry(claims: JWTPayload | Record<string, unknown>, maxMs: number): number {
  const exp = claims['exp'];
  const cap = Date.now() + maxMs;
  return typeof exp === 'number' ? Math.min(exp * 1000, cap) : cap;
}

/**
 * The gateway as an OAuth 2.1 resource server (MCP authorization): every request carries a Bearer
 * access token for the connection's canonical resource URL, issued by a configured provider. JWTs
 * are verified locally against the provider's keys; opaque tokens are introspected. Accepted
 * tokens are cached by digest, so after the first request the cost is one SHA-256 and a map lookup.
 * The token itself is never logged or kept: only its digest, subject, email, groups and `jti`.
 */
export function createOidcIdentity(
  config: Pick<GatewayConfig, 'publicUrl' | 'auth'>,
  options: OidcIdentityOptions,
): IdentityResolver {
  if (config.auth.mode !== 'oidc') {
    throw new AirlockError('config_invalid', 'createOidcIdentity needs gateway.auth.mode "oidc".');
  }
  const auth: OidcAuthConfig = config.auth;
  const publicUrl = config.publicUrl;
  if (publicUrl === undefined) {
    throw new AirlockError(
      'config_invalid',
      'gateway.auth.mode "oidc" needs gateway.publicUrl (the URL clients use).',
    );
  }
  const logger = childLogger(options.logger, { component: 'identity' });
  const issuers =
    options.issuers ??
    trustedIssuers(auth.issuers, {
      logger,
      fetch: options.fetch,
      jwksCooldownMs: options.jwksCooldownMs,
      retryAfterMs: options.retryAfterMs,
      timeoutMs: options.timeoutMs,
    });
  const required = auth.requiredScopes ?? [];
  const forGateway = options.resource === 'gateway';
  const challenges = new AuthChallenges(
    (c) => (forGateway ? resourceMetadataUrl(publicUrl) : resourceMetadataUrl(publicUrl, c)),
    required.length > 0 ? required : undefined,
  );
  const cache = new VerifiedTokenCache(options.cacheMaxEntries);
  const skew = auth.clockSkewSeconds;

  const audienceFor = (issuer: TrustedIssuer, connection: string): string =>
    issuer.config.audience ??
    (forGateway ? publicUrl.replace(/\/+$/, '') : resourceUrl(publicUrl, connection));

  async function acceptJwt(token: string, connection: string): Promise<Accepted> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenRejected(`The access token is not a valid JWT. ${LOGIN_HINT}`);
    }
    const issuer = issuers.find((i) => typeof iss === 'string' && sameIssuer(i.issuer, iss));
    if (issuer === undefined) {
      const named = typeof iss === 'string' ? `"${iss.slice(0, 200)}"` : 'no issuer';
      throw new TokenRejected(
        `The access token names ${named}, which this gateway does not trust (trusted: ${issuers.map((i) => i.issuer).join(', ')}). ${LOGIN_HINT}`,
      );
    }
    const endpoints = await issuer.ready();
    const claims = await verifyJwtAccessToken(token, {
      issuer: endpoints.issuer,
      audience: audienceFor(issuer, connection),
      algorithms: issuer.config.algorithms,
      clockSkewSeconds: skew,
      keys: endpoints.keys,
    });
    return { claims, issuer, cacheUntil: expiry(claims, JWT_CACHE_MS) };
  }

  async function acceptOpaque(token: string, connection: string): Promise<Accepted> {
    const candidates = issuers.filter((i) => i.config.introspection !== undefined);
    if (candidates.length === 0) {
      throw new TokenRejected(
        'The access token is not a JWT, and this gateway has no introspection configured for opaque tokens. Ask the identity provider for a JWT access token (with resource=<this URL>), or have an operator configure gateway.auth.issuers[].introspection.',
      );
    }
    let refusal: unknown;
    for (const issuer of candidates) {
      const endpoints = await issuer.ready();
      if (endpoints.introspection === undefined) continue;
      try {
        const claims = await introspectAccessToken(token, endpoints.introspection, {
          issuer: endpoints.issuer,
          audience: audienceFor(issuer, connection),
          clockSkewSeconds: skew,
        });
        return { claims, issuer, cacheUntil: expiry(claims, INTROSPECTION_CACHE_MS) };
      } catch (error) {
        refusal = error;
      }
    }
    throw refusal instanceof Error
      ? refusal
      : new TokenRejected('The access token was refused by introspection.');
  }

  async function verify(token: string, digest: string, key: string, connection: string): Promise<Caller> {
    const tokenId = digest.slice(0, 16);
    try {
      const shape = tokenShape(token);
      if (shape === 'jwe') {
        throw new TokenRejected(
          'Encrypted (JWE) access tokens are not supported; configure the provider to issue signed JWT access tokens.',
        );
      }
      const accepted =
        shape === 'jws' ? await acceptJwt(token, connection) : await acceptOpaque(token, connection);
      // Sessions, access rules and recordings are keyed by subject: a token without one would
      // share all of them with every other subject-less token (RFC 9068 makes `sub` required).
      const subject = accepted.claims['sub'];
      if (typeof subject !== 'string' || subject === '') {
        throw new TokenRejected(
          'The access token names no subject (sub claim); configure the identity provider to issue RFC 9068 access tokens with sub.',
        );
      }
      const scopes = scopesOf(accepted.claims);
      const missing = required.filter((s) => !scopes.has(s));
      if (missing.length > 0) {
        logger.debug({ connection, tokenId, missing }, 'access token lacks required scopes');
        throw challenges.insufficientScope(
          connection,
          `The access token lacks the scope(s) ${missing.join(', ')} this gateway requires; log in again asking for them (airlock login), or ask an administrator to grant them.`,
          required,
        );
      }
      const claimPath = accepted.issuer.config.groupsClaim;
      const groups = groupsFromClaim(claimAtPath(accepted.claims, claimPath));
      if (groups === undefined) {
        logger.debug(
          { connection, tokenId, claim: claimPath },
          'access token has no groups claim; the caller is in no groups',
        );
      }
      const caller = callerFromClaims(accepted.claims, groups ?? [], tokenId);
      cache.set(key, caller, accepted.cacheUntil);
      return caller;
    } catch (error) {
      if (error instanceof TokenRejected) {
        logger.debug({ connection, tokenId, reason: error.message }, 'access token refused');
        throw challenges.unauthenticated(connection, error.message, true);
      }
      if (error instanceof KeysUnavailable) {
        logger.warn({ connection, reason: error.message }, 'cannot verify access tokens');
        throw new AirlockError(
          'identity_provider_unavailable',
          `The gateway cannot verify access tokens right now: it ${error.message}. Try again shortly; if it persists, an operator should check the identity provider.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  return {
    resolve({ authorization, connection }) {
      const credential = readBearerToken(authorization);
      switch (credential.kind) {
        case 'none':
          throw challenges.unauthenticated(
            connection,
            `${connection === '' ? 'The Airlock API' : 'This MCP endpoint'} needs an access token (Authorization: Bearer <token>). ${LOGIN_HINT}`,
            false,
          );
        case 'other-scheme':
          throw challenges.unauthenticated(
            connection,
            `The Authorization scheme "${credential.scheme.slice(0, 32)}" is not accepted; send Authorization: Bearer <access token>. ${LOGIN_HINT}`,
            false,
          );
        case 'malformed':
          throw challenges.unauthenticated(
            connection,
            `The Authorization header does not hold a well-formed Bearer token. ${LOGIN_HINT}`,
            true,
          );
        case 'bearer': {
          const digest = sha256(credential.token);
          const key = `${digest}:${connection}`;
          return cache.get(key) ?? verify(credential.token, digest, key, connection);
        }
      }
    },
  };
}

function sameIssuer(configured: string, claimed: string): boolean {
  return configured === claimed || configured.replace(/\/+$/, '') === claimed.replace(/\/+$/, '');
}
