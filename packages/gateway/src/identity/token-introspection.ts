import * as oidc from 'openid-client';
import { KeysUnavailable, TokenRejected } from './jwt-access-token.js';

export interface IntrospectionCheck {
  readonly issuer: string;
  readonly audience: string;
  readonly clockSkewSeconds: number;
}

/**
 * RFC 7662 introspection of an opaque access token. The answer must say the token is active, was
 * issued for this resource (`aud`), has not expired and names a subject; a provider that answers
 * without `aud` gives the gateway no way to tell the token was meant for it, so that is a refusal.
 */
export async function introspectAccessToken(
  token: string,
  config: oidc.Configuration,
  check: IntrospectionCheck,
): Promise<Record<string, unknown>> {
  let answer: Record<string, unknown>;
  try {
    answer = (await oidc.tokenIntrospection(config, token)) as Record<string, unknown>;
  } catch (error) {
    throw new KeysUnavailable(
      `the introspection endpoint of ${check.issuer} did not answer (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (answer['active'] !== true) {
    throw new TokenRejected(
      'The access token is not active (revoked, expired or unknown to the identity provider); log in again (airlock login).',
    );
  }
  const now = Date.now() / 1000;
  const exp = answer['exp'];
  if (typeof exp === 'number' && exp + check.clockSkewSeconds <= now) {
    throw new TokenRejected(
      'The access token has expired; log in again (airlock login) or have your client fetch a new token.',
    );
  }
  const iss = answer['iss'];
  if (iss !== undefined && iss !== check.issuer) {
    throw new TokenRejected(
      `The access token was not issued by ${check.issuer}; log in again (airlock login).`,
    );
  }
  const aud = answer['aud'];
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(check.audience)) {
    throw new TokenRejected(
      `The access token is not meant for this resource (its audience is not ${check.audience}); request a token with resource=${check.audience}.`,
    );
  }
  if (typeof answer['sub'] !== 'string' || answer['sub'] === '') {
    throw new TokenRejected(
      'The access token names no subject (sub); the gateway cannot tell who is calling.',
    );
  }
  return answer;
}
