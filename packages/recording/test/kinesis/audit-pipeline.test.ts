import { verifyChain, type RecordingEvent } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import type { AuditItem } from '../../src/audit/audit-item.js';
import { AuditPipeline } from '../../src/audit/audit-pipeline.js';
import { checkChainLink } from '@airlock/core';
import { sha256Hex } from '../../src/recorder/sha256-hex.js';
import { encodeEventRecords } from '../../src/kinesis/event-records.js';
import { chainedEvents, sealed } from './chained-events.js';

let sequence = 0;
function push(pipeline: AuditPipeline, event: RecordingEvent, now = 0, maxRecordBytes?: number): AuditItem[] {
  return encodeEventRecords(event, maxRecordBytes).flatMap((record) =>
    pipeline.push({ shardId: 'shardId-0', sequenceNumber: String((sequence += 1)), data: record.data }, now),
  );
}

const summary = (items: AuditItem[]): (number | string)[] =>
  items.map((i) =>
    i.type === 'event'
      ? i.event.seq
      : i.type === 'chain_break'
        ? `${i.break.problem}@${i.break.seq}`
        : i.type,
  );

describe('AuditPipeline (no I/O, time passed in)', () => {
  it('holds early events and releases them in seq order when the missing one arrives', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true });
    const [e1, e2, e3, e4] = chainedEvents(4);
    expect(summary(push(pipeline, e3!))).toEqual([]);
    expect(summary(push(pipeline, e1!))).toEqual([1]);
    expect(summary(push(pipeline, e4!))).toEqual([]);
    expect(summary(push(pipeline, e2!))).toEqual([2, 3, 4]);
  });

  it('reports a gap after the wait, then follows the chain from the next event', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true, reorder: { maxWaitMs: 1_000 } });
    const chain = chainedEvents(5);
    push(pipeline, chain[0]!, 0);
    push(pipeline, chain[2]!, 100);
    push(pipeline, chain[3]!, 200);
    expect(pipeline.tick(1_099)).toEqual([]);
    expect(summary(pipeline.tick(1_100))).toEqual(['gap@2', 3, 4]);
    expect(summary(push(pipeline, chain[4]!, 1_200))).toEqual([5]);
    // The missing event arriving late cannot be placed any more: reported, not shown out of order.
    expect(summary(push(pipeline, chain[1]!, 1_300))).toEqual(['duplicate@2']);
  });

  it('reports a gap when the reorder window overflows', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true, reorder: { maxEvents: 3 } });
    const chain = chainedEvents(6);
    push(pipeline, chain[0]!);
    for (const event of chain.slice(2, 4)) expect(push(pipeline, event)).toEqual([]);
    expect(summary(push(pipeline, chain[4]!))).toEqual([]);
    expect(summary(push(pipeline, chain[5]!))).toEqual(['gap@2', 3, 4, 5, 6]);
  });

  it('drops exact duplicates silently and flags a second event claiming a seq', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true });
    const chain = chainedEvents(2);
    push(pipeline, chain[0]!);
    expect(push(pipeline, chain[0]!)).toEqual([]);
    const impostor = sealed({ ...chain[0]!, id: 'other-id', connection: 'elsewhere' });
    expect(summary(push(pipeline, impostor))).toEqual(['duplicate@1']);
    const sameIdOtherContent = { ...chain[1]!, connection: 'changed' };
    push(pipeline, chain[1]!);
    expect(summary(push(pipeline, sameIdOtherContent))).toEqual(['duplicate@2']);
    expect(pipeline.stats()).toMatchObject({ duplicates: 2, events: 2, chainBreaks: 2 });
  });

  it('reports a rewritten history: a re-sealed event breaks the link to the next one', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true });
    const chain = chainedEvents(3);
    const forged = sealed({ ...chain[1]!, connection: 'forged' }); // its own hash is consistent
    const items = [chain[0]!, forged, chain[2]!].flatMap((e) => push(pipeline, e));
    expect(summary(items)).toEqual([1, 2, 'prev_hash_mismatch@3', 3]);
  });

  it('joins a chain mid-way when reading from "latest", after a short wait for lower seqs', () => {
    const pipeline = new AuditPipeline({ expectChainStart: false });
    const chain = chainedEvents(9);
    expect(push(pipeline, chain[6]!, 0)).toEqual([]);
    expect(push(pipeline, chain[5]!, 10)).toEqual([]);
    expect(summary(pipeline.tick(1_000))).toEqual(['chain_joined', 6, 7]);
    expect(summary(push(pipeline, chain[7]!, 1_100))).toEqual([8]);
    expect(push(pipeline, chain[4]!, 1_200)).toEqual([]); // older than the join point: not a conflict
  });

  it('reassembles chunks arriving out of order and duplicated', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true });
    const [event] = chainedEvents(1, { padding: 50_000 });
    const records = encodeEventRecords(event!, 16 * 1024);
    expect(records.length).toBeGreaterThan(4);
    const order = [...records.keys()].reverse();
    const items = [...order, 0, 1].flatMap((i) =>
      pipeline.push({ shardId: 's', sequenceNumber: String(i), data: records[i]!.data }, 0),
    );
    expect(items).toEqual([{ type: 'event', event, verified: true }]);
  });

  it('reports an incomplete chunked event once it has waited too long, and a record that is no event', () => {
    const pipeline = new AuditPipeline({ expectChainStart: true, chunks: { maxWaitMs: 500 } });
    const [event] = chainedEvents(1, { padding: 50_000 });
    const [firstChunk] = encodeEventRecords(event!, 16 * 1024);
    expect(pipeline.push({ shardId: 's', sequenceNumber: '1', data: firstChunk!.data }, 0)).toEqual([]);
    expect(pipeline.tick(499)).toEqual([]);
    expect(pipeline.tick(500)).toEqual([expect.objectContaining({ type: 'invalid_record' })]);
    const junk = pipeline.push({ shardId: 's', sequenceNumber: '2', data: Buffer.from('{"hello":1}') }, 0);
    expect(junk).toEqual([expect.objectContaining({ type: 'invalid_record', sequenceNumber: '2' })]);
  });
});

describe('checkChainLink', () => {
  it('finds what verifyChain finds, one event at a time', () => {
    const chain = chainedEvents(6);
    const damaged = chain.map((e) =>
      e.seq === 2
        ? ({ ...e, connection: 'tampered' } as RecordingEvent)
        : e.seq === 4
          ? sealed({ ...e, prevHash: 'f'.repeat(64) })
          : e,
    );
    const whole = verifyChain(damaged, sha256Hex);
    const incremental = damaged.flatMap((e, i) => checkChainLink(e, damaged[i - 1]?.hash, sha256Hex));
    expect(incremental).toEqual(whole);
    // Re-sealing seq 4 changed its hash, so seq 5 no longer links to it either.
    expect(whole.map((b) => `${b.problem}@${b.seq}`)).toEqual([
      'hash_mismatch@2',
      'prev_hash_mismatch@4',
      'prev_hash_mismatch@5',
    ]);
  });
});
