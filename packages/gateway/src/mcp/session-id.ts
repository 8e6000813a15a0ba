import { randomBytes } from 'node:crypto';

/**
 * A new session id: 192 random bits, base64url, never starting with `-` or `_`, so a command line
 * (`airlock verify <session>`) never mistakes it for an option. In a cluster, `tag` names the
 * gateway that owns the session (`<tag>.<random>`), so any gateway can tell where to forward a
 * request for it; the random part is unchanged.
 */
export function newSessionId(tag?: string): string {
  for (;;) {
    const id = randomBytes(24).toString('base64url');
    if (id[0] !== '-' && id[0] !== '_') return tag === undefined ? id : `${tag}.${id}`;
  }
}
