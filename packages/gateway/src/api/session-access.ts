import type { Caller, GatewayConfig, IdentityResolver } from '@airlock/core';
import type { Logger } from 'pino';
import { gatewayIdentity } from '../identity/gateway-identity.js';
import type { TrustedIssuer } from '../identity/trusted-issuer.js';

/** Which recorded sessions a caller may see: all (an auditor) or only their own. */
export type SessionVisibility =
  | { readonly kind: 'all'; readonly caller: Caller }
  | { readonly kind: 'own'; readonly caller: Caller; readonly subject: string };

export interface SessionAccess {
  /** The caller and what they may see; throws 401 for a missing or bad token. */
  authorize(authorization: string | undefined): Promise<SessionVisibility>;
}

/**
 * With `auth.mode: oidc`: a bearer token for the gateway itself (aud = `publicUrl`, like the admin
 * API). Members of `gateway.audit.groups` see every session; everyone else only sessions recorded
 * under their own subject. With `auth.mode: none` (loopback only, dev): everything.
 */
export function createSessionAccess(
  config: GatewayConfig,
  logger: Logger,
  identity?: IdentityResolver,
  issuers?: readonly TrustedIssuer[],
): SessionAccess {
  const resolver = gatewayIdentity(config, { logger, resource: 'gateway', identity, issuers });
  const auditGroups = new Set(config.audit.groups);
  const open = config.auth.mode === 'none';
  return {
    async authorize(authorization) {
      const caller = await resolver.resolve({ authorization, connection: '' });
      if (open || caller.groups.some((g) => auditGroups.has(g))) return { kind: 'all', caller };
      return { kind: 'own', caller, subject: caller.subject };
    },
  };
}
