import { createHash, randomBytes } from 'node:crypto';

/** The SHA-256 (hex) of an agent token: what the gateway stores instead of the token. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh agent enrolment token: "alk_" + 32 random bytes, base64url (256 bits of entropy). */
export function generateAgentToken(): string {
  return `alk_${randomBytes(32).toString('base64url')}`;
}
