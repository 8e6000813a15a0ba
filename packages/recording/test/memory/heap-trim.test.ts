import { getHeapSpaceStatistics } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fullCollection } from '../../src/memory/full-collection.js';
import { trimHeapWhenQuiet } from '../../src/memory/heap-trim.js';

const MiB = 1024 * 1024;

describe('trimHeapWhenQuiet', () => {
  describe('when to collect', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('collects a quiet thread that has grown by the threshold, once, and measures from there', () => {
      let used = 40 * MiB;
      let busy = 0.01;
      const collect = vi.fn(() => {
        used = 60 * MiB; // what a full collection leaves live
      });
      const stop = trimHeapWhenQuiet({
        growthBytes: 64 * MiB,
        everyMs: 5_000,
        collect,
        heapUsed: () => used,
        youngSize: () => 1 * MiB,
        utilization: () => busy,
      });
      used = 100 * MiB; // ordinary garbage, below the threshold
      vi.advanceTimersByTime(5_000);
      expect(collect).not.toHaveBeenCalled();
      used = 40 * MiB + 435 * MiB; // a 100 MiB result's copies
      busy = 0.9; // still relaying: left to V8
      vi.advanceTimersByTime(5_000);
      expect(collect).not.toHaveBeenCalled();
      busy = 0.01; // quiet now
      vi.advanceTimersByTime(5_000);
      expect(collect).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(20_000);
      expect(collect).toHaveBeenCalledTimes(1);
      used = 60 * MiB + 64 * MiB;
      vi.advanceTimersByTime(5_000);
      expect(collect).toHaveBeenCalledTimes(2);
      stop();
      used = 2_000 * MiB;
      vi.advanceTimersByTime(60_000);
      expect(collect).toHaveBeenCalledTimes(2);
    });

    it('measures growth from the lowest level seen, since V8 collects by itself too', () => {
      let used = 300 * MiB;
      const collect = vi.fn();
      const stop = trimHeapWhenQuiet({
        growthBytes: 64 * MiB,
        everyMs: 1_000,
        collect,
        heapUsed: () => used,
        youngSize: () => 1 * MiB,
        utilization: () => 0,
      });
      used = 50 * MiB;
      vi.advanceTimersByTime(1_000);
      used = 120 * MiB; // 70 MiB over the low point, far under the start
      vi.advanceTimersByTime(1_000);
      expect(collect).toHaveBeenCalledTimes(1);
      stop();
    });

    it('gives back a large young generation after two quiet looks, then after 4, 8, 16 and 32', () => {
      let young = 32 * MiB;
      let busy = 0.6;
      const looks: number[] = [];
      let look = 0;
      const collect = vi.fn(() => looks.push(look));
      const stop = trimHeapWhenQuiet({
        youngBytes: 8 * MiB,
        everyMs: 1_000,
        collect,
        heapUsed: () => 40 * MiB,
        youngSize: () => young,
        utilization: () => busy,
      });
      vi.advanceTimersByTime(3_000); // busy: V8 sizes the young generation for the load
      expect(collect).not.toHaveBeenCalled();
      busy = 0.01;
      for (look = 1; look <= 100; look++) vi.advanceTimersByTime(1_000);
      // V8 never shrank it (it judged the allocation rate high): five tries, then no more.
      expect(looks).toEqual([2, 4, 8, 16, 32]);
      busy = 0.3; // a busy spell starts the count again
      vi.advanceTimersByTime(1_000);
      busy = 0.02;
      vi.advanceTimersByTime(2_000);
      expect(collect).toHaveBeenCalledTimes(6);
      young = 2 * MiB; // V8 shrank it: nothing more to give back
      vi.advanceTimersByTime(60_000);
      expect(collect).toHaveBeenCalledTimes(6);
      busy = 0.3;
      vi.advanceTimersByTime(1_000);
      busy = 0;
      vi.advanceTimersByTime(60_000); // small already after the next busy spell: not collected
      expect(collect).toHaveBeenCalledTimes(6);
      stop();
    });
  });

  it('shrinks the real young generation of a thread that goes quiet', async () => {
    const newSpace = (): number =>
      getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
    // A busy spell: short-lived objects at a high rate grow V8's young generation to its largest.
    let keep: Array<{ n: number; s: string }> = [];
    for (let i = 0; i < 3_000_000; i++) {
      keep.push({ n: i, s: `v${i}` });
      if (keep.length > 50_000) keep = [];
    }
    keep = [];
    const grown = newSpace();
    expect(grown).toBeGreaterThanOrEqual(16 * MiB);
    const before: number[] = [];
    const collect = vi.fn(() => {
      before.push(newSpace());
      fullCollection();
    });
    const stop = trimHeapWhenQuiet({ everyMs: 1_000, collect });
    try {
      const deadline = Date.now() + 20_000;
      while (newSpace() >= 8 * MiB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      // Until the trimmer collected, V8 kept the busy spell's young generation; after, it is small.
      expect(before[0]).toBeGreaterThanOrEqual(16 * MiB);
      expect(newSpace()).toBeLessThan(8 * MiB);
    } finally {
      stop();
    }
  }, 30_000);
});
