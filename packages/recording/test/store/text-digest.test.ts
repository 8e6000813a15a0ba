import { createHash } from 'node:crypto';
import { messageJson } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { textDigest } from '../../src/store/text-digest.js';

describe('textDigest', () => {
  it('is the digest of the joined text, whether given whole or in pieces', () => {
    const message = { a: `🔐${'é'.repeat(30)}`, b: ['€'.repeat(40), 'plain'] };
    const whole = JSON.stringify(message);
    const expected = createHash('sha256').update(whole, 'utf8').digest('base64');
    const pieces = messageJson(message, 10, 12);
    expect(typeof pieces).toBe('object');
    expect(textDigest(pieces)).toBe(expected);
    expect(textDigest(whole)).toBe(expected);
  });
});
