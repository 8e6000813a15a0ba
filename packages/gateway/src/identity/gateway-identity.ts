import type { GatewayConfig, IdentityResolver } from '@airlock/core';
import type { Logger } from 'pino';
import { createUnauthenticatedIdentity } from './dev-identity.js';
import { createOidcIdentity } from './oidc-identity.js';
import type { TrustedIssuer } from './trusted-issuer.js';

export interface GatewayIdentityOptions {
  readonly logger: Logger;
  /** Tokens for the gateway itself (its APIs) rather than for a connection (its MCP endpoints). */
  readonly resource?: 'gateway';
  /** A resolver given by the caller (tests, embedders): used as it is. */
  readonly identity?: IdentityResolver | undefined;
  /** The gateway's providers, shared by its resolvers (see `trustedIssuers`). */
  readonly issuers?: readonly TrustedIssuer[] | undefined;
}

/**
 * Who is calling one of the gateway's endpoints: the given resolver; else, with `auth.mode: oidc`,
 * a verified bearer token (from the gateway's shared providers when given); else (`auth.mode:
 * none`, loopback only) the dev caller.
 */
export function gatewayIdentity(config: GatewayConfig, options: GatewayIdentityOptions): IdentityResolver {
  if (options.identity) return options.identity;
  if (config.auth.mode !== 'oidc') return createUnauthenticatedIdentity(config.listen.host);
  return createOidcIdentity(config, {
    logger: options.logger,
    ...(options.resource ? { resource: options.resource } : {}),
    ...(options.issuers ? { issuers: options.issuers } : {}),
  });
}
