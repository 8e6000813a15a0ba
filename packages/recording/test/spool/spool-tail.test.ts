import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SpoolTail, type TailRecord } from '../../src/spool/spool-tail.js';
import { testEvent } from './spool-fixtures.js';

/** `count` contiguous records of `bytes` each in `segment`, starting at `offset`. */
function records(segment: number, count: number, bytes = 100, offset = 0, firstSeq = 1): TailRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    position: { segment, offset: offset + i * bytes },
    next: { segment, offset: offset + (i + 1) * bytes },
    event: testEvent(firstSeq + i),
    bytes,
  }));
}

const seqs = (found: readonly TailRecord[] | undefined) => found?.map((r) => r.event.seq);

describe('SpoolTail', () => {
  it('answers reads that start at a record it holds, across segments, up to maxRecords', () => {
    const tail = new SpoolTail(10_000);
    tail.add(records(1, 5));
    tail.add(records(2, 3, 100, 0, 6));
    expect(seqs(tail.from({ segment: 1, offset: 200 }, 100))).toEqual([3, 4, 5, 6, 7, 8]);
    expect(seqs(tail.from({ segment: 1, offset: 0 }, 2))).toEqual([1, 2]);
    expect(seqs(tail.from({ segment: 2, offset: 100 }, 100))).toEqual([7, 8]);
  });

  it('says "nothing new" at the end of the last record, and "not here" for anything else', () => {
    const tail = new SpoolTail(10_000);
    expect(tail.from({ segment: 1, offset: 0 }, 10)).toBeUndefined(); // empty: read the disk
    tail.add(records(1, 3));
    expect(tail.from({ segment: 1, offset: 300 }, 10)).toEqual([]);
    expect(tail.from({ segment: 1, offset: 150 }, 10)).toBeUndefined(); // not a record start
    expect(tail.from({ segment: 0, offset: 0 }, 10)).toBeUndefined(); // older than the tail
  });

  it('keeps only the newest records within its byte budget', () => {
    const tail = new SpoolTail(1_000);
    for (let i = 0; i < 30; i += 1) tail.add(records(1, 1, 100, i * 100, i + 1));
    expect(tail.from({ segment: 1, offset: 1900 }, 100)).toBeUndefined(); // trimmed away
    expect(seqs(tail.from({ segment: 1, offset: 2000 }, 100))).toEqual([
      21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    ]);
  });

  it('lets a trimmed record go at once, not at the next compaction', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const tail = new SpoolTail(1_000);
    const first = records(1, 1);
    const trimmed = new WeakRef((first[0] as TailRecord).event);
    tail.add(first);
    // 15 more records of 100 bytes: the first is trimmed (10 fit), far from a compaction (1,024).
    for (let i = 1; i <= 15; i += 1) tail.add(records(1, 1, 100, i * 100, i + 1));
    first.length = 0;
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(trimmed.deref()).toBeUndefined();
    expect(seqs(tail.from({ segment: 1, offset: 600 }, 100))).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('drops everything on a record too large to keep, so what it holds stays contiguous', () => {
    const tail = new SpoolTail(64 * 1024 * 1024);
    tail.add(records(1, 3));
    tail.add(records(1, 1, 2 * 1024 * 1024, 300, 4));
    expect(tail.from({ segment: 1, offset: 0 }, 10)).toBeUndefined();
    tail.add(records(1, 1, 100, 300 + 2 * 1024 * 1024, 5));
    expect(seqs(tail.from({ segment: 1, offset: 300 + 2 * 1024 * 1024 }, 10))).toEqual([5]);
  });

  it('lets go of the records every sink has acknowledged, and keeps the rest', () => {
    const tail = new SpoolTail(10_000);
    tail.add(records(1, 5));
    tail.add(records(2, 3, 100, 0, 6));
    tail.dropAcknowledged({ segment: 1, offset: 200 }); // records 1 and 2 end at or before it
    expect(tail.from({ segment: 1, offset: 100 }, 100)).toBeUndefined();
    expect(seqs(tail.from({ segment: 1, offset: 200 }, 100))).toEqual([3, 4, 5, 6, 7, 8]);
    tail.dropAcknowledged({ segment: 1, offset: 250 }); // inside record 3: it stays
    expect(seqs(tail.from({ segment: 1, offset: 200 }, 1))).toEqual([3]);
    tail.dropAcknowledged({ segment: 2, offset: 0 }); // the first segment, all of it
    expect(seqs(tail.from({ segment: 2, offset: 0 }, 100))).toEqual([6, 7, 8]);
    tail.dropAcknowledged({ segment: 2, offset: 300 }); // everything: a caught-up read is "nothing new"
    expect(tail.from({ segment: 2, offset: 300 }, 100)).toBeUndefined();
    // What it let go no longer counts against the budget: 100 new records of 100 bytes all fit.
    tail.add(records(2, 100, 100, 300, 9));
    expect(tail.from({ segment: 2, offset: 300 }, 1000)).toHaveLength(100);
  });

  it('holds nothing with a budget of 0', () => {
    const tail = new SpoolTail(0);
    tail.add(records(1, 3));
    expect(tail.from({ segment: 1, offset: 0 }, 10)).toBeUndefined();
  });
});
