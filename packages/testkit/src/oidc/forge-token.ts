import { randomUUID } from 'node:crypto';
import {
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type JWK,
  type JWTPayload,
} from 'jose';

/**
 * How a forged token is made:
 * - `provider-key`: signed with the provider's real signing key, so only the claims are wrong
 *   (wrong iss/aud, expired, not yet valid, ...);
 * - `alg-none`: unsigned (`alg: none`);
 * - `hs256-with-public-key`: HMAC-signed with the provider's RSA public key as the secret, with the
 *   provider's `kid` (the key-confusion attack on verifiers that trust the token's `alg`);
 * - `unknown-kid`: signed with a fresh RSA key under a `kid` the provider never published.
 */
export type ForgeryKind = 'provider-key' | 'alg-none' | 'hs256-with-public-key' | 'unknown-kid';

export interface ForgeTokenInput {
  readonly kind: ForgeryKind;
  /** The provider's current RS256 signing key (private JWK with `kid`). */
  readonly signingKey: JWK;
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly subject?: string;
  /** Seconds from now; negative = already expired. Default 300. */
  readonly expiresIn?: number;
  /** Seconds from now until the token becomes valid (`nbf`). */
  readonly notBefore?: number;
  /** Extra or overriding claims (e.g. groups, scope). */
  readonly claims?: JWTPayload & Record<string, unknown>;
  /** Claims to leave out (e.g. 'exp'). */
  readonly omit?: readonly string[];
}

function payloadOf(input: ForgeTokenInput): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: input.issuer,
    aud: input.audience,
    sub: input.subject ?? 'alice',
    iat: now,
    exp: now + (input.expiresIn ?? 300),
    jti: randomUUID(),
    client_id: 'airlock-cli',
    ...(input.notBefore === undefined ? {} : { nbf: now + input.notBefore }),
    ...input.claims,
  };
  for (const claim of input.omit ?? []) delete payload[claim];
  return payload;
}

/** Makes an access token a verifier must refuse (or, for `provider-key` with sane claims, accept). */
export async function forgeToken(input: ForgeTokenInput): Promise<string> {
  const payload = payloadOf(input);
  const kid = input.signingKey.kid;
  switch (input.kind) {
    case 'alg-none':
      return new UnsecuredJWT(payload).encode();
    case 'provider-key': {
      const key = await importJWK(input.signingKey, 'RS256');
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', ...(kid ? { kid } : {}) })
        .sign(key);
    }
    case 'hs256-with-public-key': {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = input.signingKey;
      const publicKey = await importJWK({ ...publicJwk, alg: 'RS256' }, 'RS256', { extractable: true });
      if (publicKey instanceof Uint8Array) throw new Error('expected an RSA public key');
      const pem = await exportSPKI(publicKey);
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...(kid ? { kid } : {}) })
        .sign(new TextEncoder().encode(pem));
    }
    case 'unknown-kid': {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: `forged-${randomUUID()}` })
        .sign(privateKey);
    }
  }
}
