import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trimHeapWhenGrown } from '../../src/store/heap-trim.js';

const MiB = 1024 * 1024;

describe('trimHeapWhenGrown', () => {
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
    const stop = trimHeapWhenGrown({
      growthBytes: 64 * MiB,
      everyMs: 5_000,
      collect,
      heapUsed: () => used,
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
    const stop = trimHeapWhenGrown({
      growthBytes: 64 * MiB,
      everyMs: 1_000,
      collect,
      heapUsed: () => used,
      utilization: () => 0,
    });
    used = 50 * MiB;
    vi.advanceTimersByTime(1_000);
    used = 120 * MiB; // 70 MiB over the low point, far under the start
    vi.advanceTimersByTime(1_000);
    expect(collect).toHaveBeenCalledTimes(1);
    stop();
  });
});
