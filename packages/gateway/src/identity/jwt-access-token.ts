import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface JwtVerification {
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly string[];
  readonly clockSkewSeconds: number;
  readonly keys: JWTVerifyGetKey;
}

/** Why a JWT access token was refused, in words a person can act on. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
}

/** The provider's keys could not be fetched: not the token's fault (503, not 401). */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
}

// RFC 9068 says `at+jwt`; many providers still write `JWT` or nothing. An ID token (also `JWT`)
// cannot pass because its `aud` is a client id, never this resource's URL.
const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt', 'jwt']);

const RELOGIN = 'log in again (airlock login) or have your client fetch a new token';

/**
 * Verifies an RFC 9068 JWT access token: signature with the issuer's published keys and only the
 * configured (asymmetric) algorithms, issuer, audience = this resource, `exp` required, `nbf` and
 * `iat` within the clock skew.
 */
export async function verifyJwtAccessToken(token: string, v: JwtVerification): Promise<JWTPayload> {
  let result: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    result = await jwtVerify(token, v.keys, {
      issuer: v.issuer,
      audience: v.audience,
      algorithms: [...v.algorithms],
      clockTolerance: v.clockSkewSeconds,
      requiredClaims: ['exp', 'sub'],
    });
  } catch (error) {
    throw describe(error, v);
  }
  const typ = result.protectedHeader.typ;
  if (typ !== undefined && !ACCEPTED_TYP.has(typ.toLowerCase())) {
    throw new TokenRejected(
      `The token has type "${typ}", not an access token (at+jwt); send an access token, not an ID or other token.`,
    );
  }
  const iat = result.payload.iat;
  if (iat !== undefined && iat > Date.now() / 1000 + v.clockSkewSeconds) {
    throw new TokenRejected(
      'The access token claims to be issued in the future (iat); check the clocks of the identity provider and the gateway.',
    );
  }
  return result.payload;
}

function describe(error: unknown, v: JwtVerification): Error {
  if (error instanceof errors.JWTExpired)
    return new TokenRejected(`The access token has expired; ${RELOGIN}.`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new TokenRejected(
          `The access token is not meant for this resource (its audience is not ${v.audience}); request a token with resource=${v.audience}, or ${RELOGIN}.`,
        );
      case 'iss':
        return new TokenRejected(`The access token was not issued by ${v.issuer}; ${RELOGIN}.`);
      case 'nbf':
        return new TokenRejected(
          'The access token is not valid yet (nbf is in the future); check the clocks, or wait and retry.',
        );
      case 'exp':
        return new TokenRejected(
          `The access token has no expiry (exp); this gateway accepts only expiring tokens. ${RELOGIN}.`,
        );
      case 'sub':
        return new TokenRejected(
          'The access token names no subject (sub); the gateway cannot tell who is calling.',
        );
      default:
        return new TokenRejected(
          `The access token's "${error.claim}" claim is not valid (${error.reason}); ${RELOGIN}.`,
        );
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRejected(
      `The access token is signed with an algorithm this gateway does not accept (allowed: ${v.algorithms.join(', ')}); ${RELOGIN}.`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejected(
      `The access token is signed with a key ${v.issuer} does not publish (unknown kid); ${RELOGIN}.`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected(`The access token's signature does not verify; ${RELOGIN}.`);
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new KeysUnavailable(`could not fetch the signing keys of ${v.issuer} (${error.message})`);
  }
  if (error instanceof errors.JOSEError) {
    return new TokenRejected(`The access token is not a valid JWT (${error.message}); ${RELOGIN}.`);
  }
  // Not a JOSE error: the JWKS fetch itself failed (network, DNS, TLS, HTTP status).
  return new KeysUnavailable(
    `could not fetch the signing keys of ${v.issuer} (${error instanceof Error ? error.message : String(error)})`,
  );
}
