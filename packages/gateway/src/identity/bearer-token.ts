/** What the Authorization header holds, for a resource server that takes only Bearer tokens. */
export type PresentedCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'other-scheme'; readonly scheme: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'bearer'; readonly token: string };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Far above any real access token; bounds the work (hashing, decoding) an attacker can cause. */
const MAX_TOKEN_LENGTH = 16 * 1024;

export function readBearerToken(authorization: string | undefined): PresentedCredential {
  if (authorization === undefined || authorization.trim() === '') return { kind: 'none' };
  const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization.trim());
  if (match === null) return { kind: 'malformed' };
  const scheme = match[1] as string;
  const token = match[2] as string;
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'other-scheme', scheme };
  if (token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) return { kind: 'malformed' };
  return { kind: 'bearer', token };
}

/** A compact JWS has three base64url parts; anything else is opaque (or a JWE, which we refuse). */
export function tokenShape(token: string): 'jws' | 'jwe' | 'opaque' {
  const parts = token.split('.');
  if (parts.length === 3 && parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p)) && parts[0] !== '') return 'jws';
  if (parts.length === 5) return 'jwe';
  return 'opaque';
}
