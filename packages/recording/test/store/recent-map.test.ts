import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/store/recent-map.js';

describe('RecentMap', () => {
  it('keeps what was used within the last two generations and drops older entries whole', () => {
    const map = new RecentMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    // The current generation is full: c starts a new one, a and b become the previous one.
    map.set('c', 3);
    expect(map.get('a')).toBe(1); // a hit in the previous generation moves a into the current
    map.set('d', 4); // current [c, a] is full: d starts a new one, [c, a] the previous
    expect(map.get('b')).toBeUndefined(); // b was not used: gone with its generation
    expect([map.get('a'), map.get('c'), map.get('d')]).toEqual([1, 3, 4]);
  });

  it('holds at most two generations, however many keys pass through', () => {
    const map = new RecentMap<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) map.set(i, i);
    const kept = Array.from({ length: 10_000 }, (_, i) => map.get(i)).filter((v) => v !== undefined);
    expect(kept.length).toBeLessThanOrEqual(200);
    expect(map.get(9_999)).toBe(9_999);
    map.clear();
    expect(map.get(9_999)).toBeUndefined();
  });
});
