import { randomBytes } from 'node:crypto';

/**
 * A gateway's session tag: 8 lower-case hex digits, new at every start. A restarted gateway has
 * lost its sessions (they live in its memory), so a new tag makes requests for them fail fast
 * with 404 instead of reaching a gateway that does not know them.
 */
export function newSessionTag(): string {
  return randomBytes(4).toString('hex');
}

const TAGGED = /^([0-9a-f]{8})\./;

/** The tag of the gateway that issued `sessionId`, or undefined for an untagged (single-gateway) id. */
export function sessionTagOf(sessionId: string): string | undefined {
  return TAGGED.exec(sessionId)?.[1];
}
