import { AirlockError, type Caller, type GatewayConfig, type IdentityResolver } from '@airlock/core';
import type { Logger } from 'pino';
import { gatewayIdentity } from '../identity/gateway-identity.js';
import type { TrustedIssuer } from '../identity/trusted-issuer.js';

/** Decides who may use the admin API. */
export interface AdminAccess {
  /** The caller, when it is an administrator; throws 401 (no or bad token) or 403 (not an admin). */
  authorize(authorization: string | undefined): Promise<Caller>;
}

/**
 * With `auth.mode: oidc`: a bearer token for the gateway itself (aud = `publicUrl`, or the issuer's
 * configured `audience`) whose groups include one of `gateway.admin.groups`; no groups configured
 * = nobody. With `auth.mode: none` (loopback only, dev): everyone on this machine.
 */
export function createAdminAccess(
  config: GatewayConfig,
  logger: Logger,
  identity?: IdentityResolver,
  issuers?: readonly TrustedIssuer[],
): AdminAccess {
  const resolver = gatewayIdentity(config, { logger, resource: 'gateway', identity, issuers });
  const adminGroups = new Set(config.admin.groups);
  const open = config.auth.mode === 'none';
  return {
    async authorize(authorization) {
      const caller = await resolver.resolve({ authorization, connection: '' });
      if (open || caller.groups.some((g) => adminGroups.has(g))) return caller;
      logger.warn(
        { subject: caller.subject, groups: caller.groups },
        'admin API refused: not an administrator',
      );
      throw new AirlockError(
        'admin_forbidden',
        adminGroups.size === 0
          ? 'This gateway has no administrators: nobody may use its admin API until an operator lists IdP groups under gateway.admin.groups.'
          : `"${caller.subject}" is not in an administrator group of this gateway (gateway.admin.groups); ask an administrator to run the command, or to add you to one of those groups.`,
      );
    },
  };
}

/** How an admin action names who did it (enrollments, revocations, accepted tools). */
export function actorOf(caller: Caller): string {
  return caller.email ?? caller.subject;
}
