import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/approvals/webhook-backoff.js';

const backoff = { baseMs: 1000, maxMs: 60_000 };
const now = Date.parse('2026-03-01T10:00:00Z');

describe('webhook retry delays', () => {
  it('double from 1 s with jitter between half and all of the step, capped at 60 s', () => {
    const low = [1, 2, 3, 4, 8].map((attempt) => retryDelayMs(attempt, backoff, null, now, () => 0));
    const high = [1, 2, 3, 4, 8].map((attempt) => retryDelayMs(attempt, backoff, null, now, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 60_000]);
  });

  it("honour the receiver's Retry-After, in seconds or as a date, but never past the cap", () => {
    expect(retryDelayMs(1, backoff, '7', now)).toBe(7000);
    expect(retryDelayMs(1, backoff, 'Sun, 01 Mar 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryDelayMs(1, backoff, '86400', now)).toBe(60_000);
    expect(retryDelayMs(1, backoff, 'Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryDelayMs(1, backoff, 'soon', now, () => 1)).toBe(1000);
  });
});
