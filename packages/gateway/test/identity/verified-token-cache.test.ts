import type { Caller } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../../src/identity/verified-token-cache.js';

const caller = (subject: string): Caller => ({ subject, groups: [], anonymous: false });

describe('VerifiedTokenCache', () => {
  it('forgets an entry when its time is up', () => {
    let now = 1_000;
    const cache = new VerifiedTokenCache(10, () => now);
    cache.set('a', caller('alice'), 2_000);
    expect(cache.get('a')?.subject).toBe('alice');
    now = 2_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never holds more than its bound, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache(100, () => 0);
    for (let i = 0; i < 1_000; i += 1) cache.set(`k${i}`, caller(`u${i}`), 10);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.get('k999')?.subject).toBe('u999');
    expect(cache.get('k0')).toBeUndefined();
  });
});
