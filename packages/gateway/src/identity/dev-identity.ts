import { AirlockError, ANONYMOUS_CALLER, isLoopbackHost, type IdentityResolver } from '@airlock/core';

/**
 * Identity for `gateway.auth.mode: none`: everyone is "anonymous". Only allowed when the gateway
 * listens on loopback, so nothing off this machine can reach an unauthenticated gateway.
 */
export function createUnauthenticatedIdentity(listenHost: string): IdentityResolver {
  if (!isLoopbackHost(listenHost)) {
    throw new AirlockError(
      'config_invalid',
      `gateway.auth.mode "none" accepts unauthenticated requests, so it is only allowed on a loopback address, not on ${listenHost}. Listen on 127.0.0.1 or configure an identity provider.`,
    );
  }
  return { resolve: () => ANONYMOUS_CALLER };
}
