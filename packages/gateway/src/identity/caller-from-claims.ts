import type { Caller } from '@airlock/core';

/** Reads a dot path (`realm_access.roles`) from a claims object. */
export function claimAtPath(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = claims;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Groups from the configured claim: an array of strings, or one space-separated string (some
 * providers flatten lists). Anything else, or nothing, is no groups (`undefined` tells the caller
 * the claim was absent, so it can say so in the log).
 */
export function groupsFromClaim(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  if (typeof value === 'string') return value.split(/\s+/).filter((g) => g !== '');
  return undefined;
}

/** Scopes a token carries: RFC 9068 `scope` (space-separated) or the common `scp` (array or string). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): Set<string> {
  const scopes = new Set<string>();
  for (const value of [claims['scope'], claims['scp']]) {
    if (typeof value === 'string') for (const s of value.split(/\s+/)) if (s !== '') scopes.add(s);
    if (Array.isArray(value)) for (const s of value) if (typeof s === 'string') scopes.add(s);
  }
  return scopes;
}

export function callerFromClaims(
  claims: Readonly<Record<string, unknown>>,
  groups: readonly string[],
  fallbackTokenId: string,
): Caller {
  const subject = claims['sub'];
  const email = claims['email'];
  const jti = claims['jti'];
  return Object.freeze({
    subject: typeof subject === 'string' ? subject : '',
    ...(typeof email === 'string' ? { email } : {}),
    groups: Object.freeze([...groups]),
    tokenId: typeof jti === 'string' && jti !== '' ? jti : fallbackTokenId,
    anonymous: false,
  });
}
