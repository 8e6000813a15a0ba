import type { RecordingEvent } from '@airlock/core';
import type { ChunkEnvelope } from '../kinesis/chunk-envelope.js';
import { decodeRecordData } from './record-decoding.js';

export interface ChunkAssemblerOptions {
  /** Bytes of chunk data held for incomplete events; past it the oldest is dropped. Default 64 MiB. */
  readonly maxPendingBytes?: number;
  /** How long an incomplete event waits for its other chunks. Default 5 minutes. */
  readonly maxWaitMs?: number;
}

export type AssemblyResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'event'; readonly event: RecordingEvent }
  | { readonly kind: 'invalid'; readonly reason: string };

interface PartialEvent {
  readonly sessionId: string;
  readonly parts: (Buffer | undefined)[];
  received: number;
  bytes: number;
  readonly firstAt: number;
}

/**
 * Reassembles events sent as chunk envelopes (see kinesis/chunk-envelope.ts). Chunks may come in
 * any order and more than once; memory is bounded by bytes and time, and what is dropped is
 * reported, never silently lost.
 */
export class ChunkAssembler {
  private readonly partial = new Map<string, PartialEvent>();
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;
  private readonly maxWaitMs: number;

  constructor(options: ChunkAssemblerOptions = {}) {
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
  }

  add(envelope: ChunkEnvelope, now: number): AssemblyResult {
    let entry = this.partial.get(envelope.eventId);
    if (entry === undefined) {
      entry = {
        sessionId: envelope.sessionId,
        parts: new Array<Buffer | undefined>(envelope.chunks).fill(undefined),
        received: 0,
        bytes: 0,
        firstAt: now,
      };
      this.partial.set(envelope.eventId, entry);
    } else if (entry.parts.length !== envelope.chunks || entry.sessionId !== envelope.sessionId) {
      return {
        kind: 'invalid',
        reason: `chunk ${envelope.chunk} of event ${envelope.eventId} disagrees with earlier chunks`,
      };
    }
    if (entry.parts[envelope.chunk] !== undefined) return { kind: 'pending' }; // a redelivered chunk
    const part = Buffer.from(envelope.data, 'base64');
    entry.parts[envelope.chunk] = part;
    entry.received += 1;
    entry.bytes += part.length;
    this.pendingBytes += part.length;
    if (entry.received < entry.parts.length) return { kind: 'pending' };

    this.forget(envelope.eventId, entry);
    const decoded = decodeRecordData(Buffer.concat(entry.parts as Buffer[]));
    if (decoded.kind !== 'event') {
      return { kind: 'invalid', reason: `reassembled event ${envelope.eventId} is not a recording event` };
    }
    if (decoded.event.id !== envelope.eventId || decoded.event.sessionId !== envelope.sessionId) {
      return {
        kind: 'invalid',
        reason: `reassembled event ${envelope.eventId} carries another id or session`,
      };
    }
    return { kind: 'event', event: decoded.event };
  }

  /** Drops incomplete events that waited too long or overflow the byte budget; says which. */
  evict(now: number): string[] {
    const dropped: string[] = [];
    for (const [eventId, entry] of this.partial) {
      const expired = now - entry.firstAt >= this.maxWaitMs;
      if (!expired && this.pendingBytes <= this.maxPendingBytes) break; // Map order = oldest first
      this.forget(eventId, entry);
      dropped.push(
        `event ${eventId} of session ${entry.sessionId}: only ${entry.received} of ${entry.parts.length} chunks arrived`,
      );
    }
    return dropped;
  }

  get pendingEvents(): number {
    return this.partial.size;
  }

  private forget(eventId: string, entry: PartialEvent): void {
    this.partial.delete(eventId);
    this.pendingBytes -= entry.bytes;
  }
}
