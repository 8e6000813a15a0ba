import { createHash } from 'node:crypto';
import type { Caller } from '@airlock/core';

/** Characters STS accepts in a role session name and a SourceIdentity. */
const NOT_STS = /[^\w+=,.@-]/g;
/** Characters STS accepts in a session tag value (letters, digits, spaces, `_.:/=+-@`). */
const NOT_TAG_VALUE = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;
const MAX_NAME = 64;
const MAX_TAG_VALUE = 256;

export const SESSION_TAG_KEYS = ['airlock:subject', 'airlock:connection', 'airlock:session'] as const;

export interface SessionTag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * `text` in STS's character set, at most `max` characters. When anything had to change (a
 * character replaced, the text cut), a short digest of the original is appended, so two people
 * whose names differ only in what STS cannot carry still get different names.
 */
function fitted(text: string, max: number): string {
  const clean = text.replace(NOT_STS, '-');
  if (clean === text && clean.length <= max) return clean;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, max - digest.length - 1)}-${digest}`;
}

/** The person as STS should name them: the email when the identity provider gave one, else the subject. */
function personOf(caller: Caller): string {
  return caller.email ?? caller.subject;
}

/** The role session name (CloudTrail's `assumed-role/<role>/<this>`): `airlock-<person>`, ≤ 64 characters. */
export function roleSessionName(caller: Caller): string {
  return fitted(`airlock-${personOf(caller)}`, MAX_NAME);
}

/**
 * The STS SourceIdentity: the person, 2..64 characters. It stays with every role chained from
 * these credentials, so IAM policies can condition on `aws:SourceIdentity`.
 */
export function sourceIdentity(caller: Caller): string {
  const person = fitted(personOf(caller), MAX_NAME);
  return person.length >= 2 ? person : fitted(`airlock-${person}`, MAX_NAME);
}

function tagValue(text: string): string {
  return text.replace(NOT_TAG_VALUE, '_').slice(0, MAX_TAG_VALUE);
}

/** Session tags: who (subject), on which connection, which session asked for the credentials. */
export function sessionTags(caller: Caller, connection: string, sessionId: string): SessionTag[] {
  return [
    { Key: 'airlock:subject', Value: tagValue(caller.subject) },
    { Key: 'airlock:connection', Value: tagValue(connection) },
    { Key: 'airlock:session', Value: tagValue(sessionId) },
  ];
}
