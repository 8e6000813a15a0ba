import { describe, expect, it } from 'vitest';
import { encodeEventRecords } from '../../src/kinesis/event-records.js';
import { KINESIS_LIMITS } from '../../src/kinesis/kinesis-limits.js';
import { partitionKeyFor } from '../../src/kinesis/partition-key.js';
import { batchRecords } from '../../src/kinesis/record-batches.js';
import { chainedEvents } from './chained-events.js';

describe('encodeEventRecords and batchRecords', () => {
  it('keeps an event that fits (with its partition key) in one record, and chunks one byte more', () => {
    const [event] = chainedEvents(1);
    const [whole] = encodeEventRecords(event!);
    const exact = whole!.size;
    expect(encodeEventRecords(event!, exact)).toHaveLength(1);
    const chunked = encodeEventRecords(event!, exact - 1);
    expect(chunked.length).toBeGreaterThan(1);
    for (const record of chunked) expect(record.size).toBeLessThanOrEqual(exact - 1);
  });

  it('packs at most 500 records and 5 MiB per request, in order', () => {
    const records = chainedEvents(1_001).flatMap((e) => encodeEventRecords(e));
    expect(batchRecords(records).map((b) => b.length)).toEqual([500, 500, 1]);
    expect(batchRecords(records).flat()).toEqual(records);

    const big = chainedEvents(12, { padding: 600 * 1024 }).flatMap((e) => encodeEventRecords(e));
    const batches = batchRecords(big);
    for (const batch of batches) {
      expect(batch.reduce((sum, r) => sum + r.size, 0)).toBeLessThanOrEqual(KINESIS_LIMITS.maxRequestBytes);
    }
    expect(batches.map((b) => b.length)).toEqual([8, 4]);
  });

  it('uses the session id as partition key, hashed only past the 256-character limit', () => {
    expect(partitionKeyFor('sess-1')).toBe('sess-1');
    expect(partitionKeyFor('x'.repeat(256))).toBe('x'.repeat(256));
    const long = partitionKeyFor('x'.repeat(257));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(partitionKeyFor('x'.repeat(257))).toBe(long);
  });
});
