import { randomBytes } from 'node:crypto';

/**
 * A new session id: 192 random bits, base64url, never starting with `-` or `_`, so a command line
 * (`airlock verify <session>`) never mistakes it for an option.
 */
export function newSessionId(): string {
  for (;;) {
    const id = randomBytes(24).toString('base64url');
    if (id[0] !== '-' && id[0] !== '_') return id;
  }
}
