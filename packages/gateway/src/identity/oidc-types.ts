import type { GatewayConfig } from '@airlock/core';

/** `gateway.auth` when it is `oidc`. */
export type OidcAuthConfig = Extract<GatewayConfig['auth'], { mode: 'oidc' }>;
/** One entry of `gateway.auth.issuers`. */
export type TrustedIssuerConfig = OidcAuthConfig['issuers'][number];
