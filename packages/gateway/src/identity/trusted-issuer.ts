import { readFileSync } from 'node:fs';
import { AirlockError, isLoopbackHost } from '@airlock/core';
import { createRemoteJWKSet, customFetch as joseFetch, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { TrustedIssuerConfig } from './oidc-types.js';

export type FetchImplementation = (url: string, init: RequestInit) => Promise<Response>;

export interface TrustedIssuerOptions {
  readonly logger: Logger;
  readonly fetch?: FetchImplementation | undefined;
  /** Minimum time between JWKS refetches triggered by unknown `kid`s (default 30 s, jose's own). */
  readonly jwksCooldownMs?: number | undefined;
  /** How long a failed discovery is remembered before the next request tries again. */
  readonly retryAfterMs?: number | undefined;
  /** Per-request timeout towards the provider (discovery, JWKS, introspection). */
  readonly timeoutMs?: number | undefined;
}

/** What verification needs from a provider, found by discovery. */
export interface IssuerEndpoints {
  /** The `iss` tokens carry, as the provider's metadata states it. */
  readonly issuer: string;
  readonly keys: JWTVerifyGetKey;
  /** RFC 7662 introspection, when configured. */
  readonly introspection?: oidc.Configuration;
}

/**
 * One configured identity provider. Discovery (OIDC metadata → jwks_uri, introspection endpoint)
 * runs once, lazily and shared by concurrent requests; a failure is remembered for a short while
 * so an unreachable provider costs each request a quick 503, not a connect timeout.
 */
export class TrustedIssuer {
  readonly issuer: string;
  private endpoints: Promise<IssuerEndpoints> | undefined;
  private failedAt = 0;
  private readonly clientSecret: string | undefined;
  private readonly insecure: boolean;

  constructor(
    readonly config: TrustedIssuerConfig,
    private readonly options: TrustedIssuerOptions,
  ) {
    this.issuer = config.issuer;
    this.insecure = allowsPlainHttp(config);
    if (config.introspection !== undefined)
      this.clientSecret = readSecret(config.introspection.clientSecretFile);
  }

  /** Starts discovery without waiting (so the first request does not pay for it). */
  warmUp(): void {
    this.ready().catch(() => undefined);
  }

  ready(): Promise<IssuerEndpoints> {
    const retryAfter = this.options.retryAfterMs ?? 5_000;
    if (this.endpoints === undefined || (this.failedAt !== 0 && Date.now() - this.failedAt >= retryAfter)) {
      this.failedAt = 0;
      this.endpoints = this.discover().catch((cause: unknown) => {
        this.failedAt = Date.now();
        const detail = cause instanceof Error ? cause.message : String(cause);
        this.options.logger.warn({ issuer: this.issuer, err: detail }, 'identity provider discovery failed');
        throw new AirlockError(
          'identity_provider_unavailable',
          `The identity provider ${this.issuer} could not be reached to discover its signing keys (${detail}). Try again shortly; if it persists, an operator should check gateway.auth.issuers (issuer, discoveryUrl) and the network path to the provider.`,
          { cause },
        );
      });
    }
    return this.endpoints;
  }

  private async discover(): Promise<IssuerEndpoints> {
    const execute = this.insecure ? [oidc.allowInsecureRequests] : [];
    const timeout = Math.ceil((this.options.timeoutMs ?? 10_000) / 1000);
    const fetchImpl = this.options.fetch;
    const discovered = await oidc.discovery(
      new URL(this.config.discoveryUrl ?? this.issuer),
      this.config.introspection?.clientId ?? 'airlock-gateway',
      undefined,
      this.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(this.clientSecret),
      { execute, timeout, ...(fetchImpl ? { [oidc.customFetch]: fetchImpl } : {}) },
    );
    const { supportsPKCE: _pkce, ...metadata } = discovered.serverMetadata();
    if (normalize(metadata.issuer) !== normalize(this.issuer)) {
      throw new Error(`its metadata names issuer ${metadata.issuer}, not the configured ${this.issuer}`);
    }
    if (metadata.jwks_uri === undefined) throw new Error('its metadata has no jwks_uri');
    const keys = createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: this.options.timeoutMs ?? 10_000,
      cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      ...(fetchImpl ? { [joseFetch]: fetchImpl } : {}),
    });
    let introspection: oidc.Configuration | undefined;
    const wanted = this.config.introspection;
    if (wanted !== undefined) {
      const endpoint = wanted.endpoint ?? metadata.introspection_endpoint;
      if (endpoint === undefined) {
        throw new Error(
          'introspection is configured but the provider publishes no introspection_endpoint; set introspection.endpoint',
        );
      }
      introspection = new oidc.Configuration(
        { ...metadata, introspection_endpoint: endpoint },
        wanted.clientId,
        undefined,
        oidc.ClientSecretBasic(this.clientSecret),
      );
      if (this.insecure) oidc.allowInsecureRequests(introspection);
      if (fetchImpl) introspection[oidc.customFetch] = fetchImpl;
      introspection.timeout = timeout;
    }
    this.options.logger.info(
      { issuer: metadata.issuer, jwksUri: metadata.jwks_uri },
      'identity provider discovered',
    );
    return { issuer: metadata.issuer, keys, ...(introspection ? { introspection } : {}) };
  }
}

/**
 * The gateway's configured providers, discovering as soon as made. One set serves every resolver
 * of a gateway (MCP endpoints, sessions API, admin API): each provider is discovered, and its keys
 * fetched and cached, once, not once per resolver.
 */
export function trustedIssuers(
  issuers: readonly TrustedIssuerConfig[],
  options: TrustedIssuerOptions,
): readonly TrustedIssuer[] {
  const trusted = issuers.map((issuer) => new TrustedIssuer(issuer, options));
  for (const issuer of trusted) issuer.warmUp();
  return trusted;
}

function normalize(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

/** Plain http only towards a provider on this machine (dev mode, tests); anything else needs TLS. */
function allowsPlainHttp(config: TrustedIssuerConfig): boolean {
  const urls = [config.issuer, config.discoveryUrl, config.introspection?.endpoint].filter(
    (u): u is string => u !== undefined,
  );
  let insecure = false;
  for (const raw of urls) {
    const url = new URL(raw);
    if (url.protocol !== 'http:') continue;
    if (!isLoopbackHost(url.hostname)) {
      throw new AirlockError(
        'config_invalid',
        `gateway.auth.issuers: ${raw} uses plain http; tokens and keys must travel over https (plain http is only accepted on loopback, for development).`,
      );
    }
    insecure = true;
  }
  return insecure;
}

function readSecret(file: string): string {
  try {
    const secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (secret === '') throw new Error('the file is empty');
    return secret;
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `gateway.auth.issuers[].introspection.clientSecretFile: cannot read the client secret from ${file} (${cause instanceof Error ? cause.message : String(cause)}). Create the file with the secret the identity provider issued for the gateway.`,
      { cause },
    );
  }
}
