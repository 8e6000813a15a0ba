import { AirlockError, isLoopbackHost } from '@airlock/core/client';
import * as oidc from 'openid-client';

/**
 * The OpenID Provider's configuration for a public client (PKCE / device flow, no secret), by OIDC
 * discovery at the issuer. Plain http is allowed for a loopback issuer only (`airlock dev`).
 */
export async function discoverAuthorizationServer(
  issuer: string,
  clientId: string,
): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), {
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 15,
    });
  } catch (cause) {
    throw new AirlockError(
      'identity_provider_unavailable',
      `Cannot read the identity provider's configuration at ${issuer} (${describeOidcError(cause)}).`,
      { cause },
    );
  }
}

/** The OAuth error code of a failed token request (e.g. `invalid_grant`), if it was one. */
export function oauthErrorCode(error: unknown): string | undefined {
  const code = (error as { error?: unknown }).error;
  return typeof code === 'string' ? code : undefined;
}

/** A short reason for a failed openid-client call: the OAuth error and description, or the message. */
export function describeOidcError(error: unknown): string {
  const e = error as { error?: unknown; error_description?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.error === 'string') {
    return typeof e.error_description === 'string' ? `${e.error}: ${e.error_description}` : e.error;
  }
  const cause = (e.cause as { code?: unknown } | undefined)?.code;
  return typeof cause === 'string' ? cause : String(e.message ?? error);
}
