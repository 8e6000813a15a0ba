import { describe, expect, it } from 'vitest';
import type { Caller } from '@airlock/core';
import { roleSessionName, sessionTags, sourceIdentity } from '../../src/index.js';

const STS_NAME = /^[\w+=,.@-]{2,64}$/;
const person = (subject: string, email?: string): Caller => ({
  subject,
  ...(email === undefined ? {} : { email }),
  groups: [],
  anonymous: false,
});

describe('the person as STS names them', () => {
  it('uses the email when there is one, unchanged when STS can carry it', () => {
    const alice = person('00u1alice', 'alice@example.com');
    expect(sourceIdentity(alice)).toBe('alice@example.com');
    expect(roleSessionName(alice)).toBe('airlock-alice@example.com');
  });

  it('falls back to the subject, replacing what STS cannot carry and keeping people apart', () => {
    const a = person('auth0|user one');
    const b = person('auth0|user_one');
    expect(sourceIdentity(a)).toMatch(STS_NAME);
    expect(sourceIdentity(a).startsWith('auth0-user-one-')).toBe(true);
    // Sanitised alike, told apart by the digest of the original.
    expect(sourceIdentity(a)).not.toBe(sourceIdentity(b));
  });

  it('cuts long identities to 64 characters, still distinct', () => {
    const long1 = person('x'.repeat(100) + '1');
    const long2 = person('x'.repeat(100) + '2');
    for (const caller of [long1, long2]) {
      expect(roleSessionName(caller)).toMatch(STS_NAME);
      expect(sourceIdentity(caller)).toMatch(STS_NAME);
    }
    expect(sourceIdentity(long1)).not.toBe(sourceIdentity(long2));
  });

  it('pads a one-character subject to the 2-character minimum', () => {
    expect(sourceIdentity(person('x'))).toMatch(STS_NAME);
  });

  it('tags subject, connection and session with values in the tag character set', () => {
    const tags = sessionTags(person('auth0|a#b'), 'billing', 's-1');
    expect(tags).toEqual([
      { Key: 'airlock:subject', Value: 'auth0_a_b' },
      { Key: 'airlock:connection', Value: 'billing' },
      { Key: 'airlock:session', Value: 's-1' },
    ]);
  });
});
