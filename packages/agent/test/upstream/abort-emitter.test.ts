import { describe, expect, it } from 'vitest';
import { AbortEmitter } from '../../src/upstream/abort-emitter.js';

describe('AbortEmitter', () => {
  it('aborts once, as undici reads a signal: aborted, then one abort event', () => {
    const abort = new AbortEmitter();
    let events = 0;
    abort.on('abort', () => events++);
    expect(abort.aborted).toBe(false);
    abort.abort();
    abort.abort();
    expect(abort.aborted).toBe(true);
    expect(events).toBe(1);
  });

  it('sleeps until the time is up or until aborted, leaving no listener behind', async () => {
    const slept = new AbortEmitter();
    const started = performance.now();
    await slept.sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(slept.listenerCount('abort')).toBe(0);

    const woken = new AbortEmitter();
    const early = performance.now();
    const sleeping = woken.sleep(60_000);
    woken.abort();
    await sleeping;
    expect(performance.now() - early).toBeLessThan(1000);
    expect(woken.listenerCount('abort')).toBe(0);
    // Already aborted: no wait at all.
    await woken.sleep(60_000);
  });
});
