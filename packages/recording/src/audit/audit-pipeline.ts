import { canonicalEventText, chainKeyOf, type RecordingEvent } from '@airlock/core';
import type { AuditItem } from './audit-item.js';
import { ChunkAssembler, type ChunkAssemblerOptions } from './chunk-assembler.js';
import { ChainFollower, DEFAULT_REORDER_WINDOW, type ReorderWindow } from './chain-follower.js';
import { decodeRecordData } from './record-decoding.js';
import { SeenEventIds } from './seen-event-ids.js';
import { sha256Hex as nodeSha256Hex } from '../recorder/sha256-hex.js';

export interface AuditPipelineOptions {
  /** True when reading from the stream's start: every chain must begin at seq 1. */
  readonly expectChainStart: boolean;
  readonly reorder?: Partial<ReorderWindow> | undefined;
  readonly chunks?: ChunkAssemblerOptions | undefined;
  /** Event ids remembered for deduplication. Default 200 000. */
  readonly rememberedEventIds?: number | undefined;
  /** Chains followed at once; the least recently active is forgotten past it. Default 100 000. */
  readonly maxChains?: number | undefined;
}

/** One record as read from a shard. */
export interface StreamRecordData {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
}

export interface AuditPipelineStats {
  records: number;
  duplicates: number;
  events: number;
  chainBreaks: number;
  invalidRecords: number;
}

/**
 * The consumer's logic without I/O: records in (any shard, any order, duplicated, chunked),
 * verified events out — each once, in `seq` order per (session, source), with chain breaks
 * reported where they are. Time is passed in, so tests drive the reorder window directly.
 */
export class AuditPipeline {
  private readonly assembler: ChunkAssembler;
  private readonly seen: SeenEventIds;
  private readonly chains = new Map<string, ChainFollower>();
  private readonly window: ReorderWindow;
  private readonly maxChains: number;
  private readonly counters: AuditPipelineStats = {
    records: 0,
    duplicates: 0,
    events: 0,
    chainBreaks: 0,
    invalidRecords: 0,
  };

  constructor(private readonly options: AuditPipelineOptions) {
    this.assembler = new ChunkAssembler(options.chunks);
    this.seen = new SeenEventIds(options.rememberedEventIds ?? 200_000);
    this.window = { ...DEFAULT_REORDER_WINDOW, ...options.reorder };
    this.maxChains = options.maxChains ?? 100_000;
  }

  push(record: StreamRecordData, now: number): AuditItem[] {
    this.counters.records += 1;
    const decoded = decodeRecordData(record.data);
    if (decoded.kind === 'invalid') return this.count([this.invalid(record, decoded.reason)]);
    if (decoded.kind === 'event') return this.count(this.accept(decoded.event, now));
    const assembled = this.assembler.add(decoded.envelope, now);
    if (assembled.kind === 'pending') return [];
    if (assembled.kind === 'invalid') return this.count([this.invalid(record, assembled.reason)]);
    return this.count(this.accept(assembled.event, now));
  }

  /** Call regularly (every poll): releases chains whose missing events have been waited for. */
  tick(now: number): AuditItem[] {
    const items: AuditItem[] = [];
    for (const follower of this.chains.values()) items.push(...follower.tick(now));
    for (const reason of this.assembler.evict(now)) {
      items.push({ type: 'invalid_record', shardId: '', sequenceNumber: '', reason });
    }
    return this.count(items);
  }

  stats(): Readonly<AuditPipelineStats> {
    return { ...this.counters };
  }

  private accept(event: RecordingEvent, now: number): AuditItem[] {
    const known = this.seen.remember(event.id, event.hash);
    if (known !== undefined) {
      this.counters.duplicates += 1;
      // A true redelivery carries the same hash and matches it; only duplicates pay for a hash.
      if (known === event.hash && nodeSha256Hex(canonicalEventText(event)) === event.hash) return [];
      return [
        {
          type: 'chain_break',
          sessionId: event.sessionId,
          source: event.source,
          break: {
            seq: event.seq,
            eventId: event.id,
            problem: 'duplicate',
            detail: `event ${event.id} was delivered twice with different content`,
          },
        },
      ];
    }
    return this.follower(event).add(event, now);
  }

  private follower(event: RecordingEvent): ChainFollower {
    // One follower per chain: several gateways may each write one of a session (chainKeyOf).
    const key = `${event.sessionId}\u0000${chainKeyOf(event)}`;
    let follower = this.chains.get(key);
    if (follower !== undefined) {
      // Re-insert: Map order then runs from least to most recently active.
      this.chains.delete(key);
    } else {
      follower = new ChainFollower(
        event.sessionId,
        event.source,
        this.window,
        this.options.expectChainStart,
        nodeSha256Hex,
      );
    }
    this.chains.set(key, follower);
    if (this.chains.size > this.maxChains) {
      const oldest = this.chains.keys().next();
      if (!oldest.done) this.chains.delete(oldest.value);
    }
    return follower;
  }

  private invalid(record: StreamRecordData, reason: string): AuditItem {
    return { type: 'invalid_record', shardId: record.shardId, sequenceNumber: record.sequenceNumber, reason };
  }

  private count(items: AuditItem[]): AuditItem[] {
    for (const item of items) {
      if (item.type === 'event') this.counters.events += 1;
      else if (item.type === 'chain_break') this.counters.chainBreaks += 1;
      else if (item.type === 'invalid_record') this.counters.invalidRecords += 1;
    }
    return items;
  }
}
