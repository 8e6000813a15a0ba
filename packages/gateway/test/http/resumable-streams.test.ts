import { describe, expect, it } from 'vitest';
import { ResumableStreams } from '../../src/http/resumable-streams.js';

const limits = { maxEvents: 5, maxBytes: 1000, retryMs: 1000, prime: true };

describe('ResumableStreams', () => {
  it('finds the stream an event id names, and what to replay after it', () => {
    const streams = new ResumableStreams(limits);
    const a = streams.open();
    const b = streams.open();
    a.write('{"n":1}');
    a.write('{"n":2}');
    b.write('{"n":3}');
    expect(streams.find(`${a.id}_1`)).toEqual({ stream: a, afterSeq: 1 });
    expect(streams.find(`${a.id}_0`)).toEqual({ stream: a, afterSeq: 0 });
    expect(streams.find(`${b.id}_1`)).toEqual({ stream: b, afterSeq: 1 });
    // Not this session's, malformed, or from the future: nothing to resume.
    expect(streams.find('zz_1')).toBeUndefined();
    expect(streams.find('not an id')).toBeUndefined();
    expect(streams.find(`${a.id}_9`)).toBeUndefined();
  });

  it('keeps at most the budget, oldest first, and refuses a resume whose events are gone', () => {
    const streams = new ResumableStreams(limits);
    const s = streams.open();
    for (let i = 1; i <= 8; i++) s.write(`{"n":${i}}`);
    expect(s.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(streams.find(`${s.id}_3`)).toEqual({ stream: s, afterSeq: 3 });
    expect(streams.find(`${s.id}_2`)).toBeUndefined();
  });

  it('bounds bytes as well as events', () => {
    const streams = new ResumableStreams(limits);
    const s = streams.open();
    s.write('x'.repeat(600));
    s.write('y'.repeat(600));
    expect(s.events.map((e) => e.seq)).toEqual([2]);
  });

  it('forgets a stream that ended while nobody was attached only when the budget needs its events', () => {
    const streams = new ResumableStreams(limits);
    const missed = streams.open();
    missed.write('{"answer":1}');
    missed.end();
    // Ended with no client attached: kept for the resume that will come.
    expect(streams.find(`${missed.id}_0`)).toEqual({ stream: missed, afterSeq: 0 });
    const busy = streams.open();
    for (let i = 0; i < 5; i++) busy.write('{}');
    expect(streams.find(`${missed.id}_0`)).toBeUndefined();
  });

  it('lets go of the text of events it no longer keeps, evicted or delivered', () => {
    const streams = new ResumableStreams(limits);
    const s = streams.open();
    s.write('x'.repeat(600));
    s.write('y'.repeat(600));
    // The first was evicted by the byte budget: only the second's text is held.
    expect(streams.retainedChars()).toBe(600);
    const big = streams.open();
    big.write('z'.repeat(5000));
    // Larger than the whole budget: not kept at all.
    expect(big.events).toEqual([]);
    expect(streams.retainedChars()).toBe(0);
    const answered = streams.open();
    answered.write('{"answer":1}');
    streams.ended(answered, true);
    expect(streams.retainedChars()).toBe(0);
  });
});
