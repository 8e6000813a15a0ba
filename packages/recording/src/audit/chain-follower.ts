import { checkChainLink, type ChainBreak, type RecordingEvent, type RecordingSource } from '@airlock/core';
import type { AuditItem } from './audit-item.js';

export interface ReorderWindow {
  /** Events held per chain while waiting for a missing `seq`. Default 1000. */
  readonly maxEvents: number;
  /**
   * How long a missing `seq` is waited for before it is reported lost. Default 30 s: retried
   * PutRecords entries arrive late by up to the producer's backoff.
   */
  readonly maxWaitMs: number;
}

export const DEFAULT_REORDER_WINDOW: ReorderWindow = Object.freeze({ maxEvents: 1000, maxWaitMs: 30_000 });

/**
 * Reading from "now", a chain's first event seen is rarely seq 1: wait this long for lower ones
 * (reordered by retries) before joining at the lowest, so a live tail shows sessions at once.
 */
const JOIN_WAIT_MS = 1_000;

/**
 * Follows one (session, source) chain: puts events in `seq` order through a bounded reorder
 * window, verifies each link as it is released, and reports gaps, conflicts and broken links.
 * Deduplication by event id happens before (AuditPipeline); what reaches here with an already
 * released `seq` is a different event claiming the same place — a conflict, reported.
 */
export class ChainFollower {
  /** The next `seq` to release; undefined until the chain's start is known. */
  private nextSeq: number | undefined;
  private lastHash: string | undefined;
  private readonly held = new Map<number, RecordingEvent>();
  private waitingSince: number | undefined;
  /** Reading from "now": the seq the chain was joined at; anything older cannot be placed. */
  private joinedAt: number | undefined;

  constructor(
    readonly sessionId: string,
    readonly source: RecordingSource,
    private readonly window: ReorderWindow,
    /** Reading from the stream's start: a chain not starting at seq 1 has lost its beginning. */
    private readonly expectStart: boolean,
    private readonly sha256Hex: (text: string) => string,
  ) {}

  add(event: RecordingEvent, now: number): AuditItem[] {
    const items: AuditItem[] = [];
    // Put before the join point: older than what this consumer started with; not a conflict.
    if (this.joinedAt !== undefined && event.seq < this.joinedAt) return items;
    const conflict =
      (this.nextSeq !== undefined && event.seq < this.nextSeq) || this.held.has(event.seq)
        ? `seq ${event.seq} appears twice (event ${event.id} is a second, different event for it)`
        : undefined;
    if (conflict !== undefined) {
      items.push(
        this.breakItem({ seq: event.seq, eventId: event.id, problem: 'duplicate', detail: conflict }),
      );
      return items;
    }
    this.held.set(event.seq, event);
    if (this.nextSeq === undefined && event.seq === 1) this.nextSeq = 1;
    this.release(items, now);
    if (this.held.size > this.window.maxEvents) this.skipGap(items, now);
    return items;
  }

  /** Gives up on a missing `seq` once it has been waited for long enough. */
  tick(now: number): AuditItem[] {
    const items: AuditItem[] = [];
    const patience =
      this.nextSeq === undefined && !this.expectStart
        ? Math.min(JOIN_WAIT_MS, this.window.maxWaitMs)
        : this.window.maxWaitMs;
    if (this.waitingSince !== undefined && now - this.waitingSince >= patience) {
      this.skipGap(items, now);
    }
    return items;
  }

  get heldEvents(): number {
    return this.held.size;
  }

  private release(items: AuditItem[], now: number): void {
    let released = false;
    while (this.nextSeq !== undefined) {
      const event = this.held.get(this.nextSeq);
      if (event === undefined) break;
      this.held.delete(this.nextSeq);
      const breaks = checkChainLink(event, this.lastHash, this.sha256Hex);
      for (const problem of breaks) items.push(this.breakItem(problem));
      items.push({ type: 'event', event, verified: breaks.length === 0 });
      // Like verifyChain: the next link is checked against the recorded hash.
      this.lastHash = event.hash;
      this.nextSeq += 1;
      released = true;
    }
    // A new gap (or the first) starts its own wait; an unchanged gap keeps waiting since before.
    if (this.held.size === 0) this.waitingSince = undefined;
    else if (released || this.waitingSince === undefined) this.waitingSince = now;
  }

  /** Releases from the lowest held `seq`, reporting what is skipped as missing. */
  private skipGap(items: AuditItem[], now: number): void {
    const lowest = Math.min(...this.held.keys());
    if (this.nextSeq === undefined && !this.expectStart) {
      items.push({ type: 'chain_joined', sessionId: this.sessionId, source: this.source, seq: lowest });
      this.joinedAt = lowest;
    } else {
      const from = this.nextSeq ?? 1;
      items.push(
        this.breakItem({
          seq: from,
          eventId: undefined,
          problem: 'gap',
          detail:
            `events ${from}..${lowest - 1} are missing (not in the stream: lost, or trimmed by its ` +
            'retention period)',
        }),
      );
    }
    this.nextSeq = lowest;
    this.lastHash = undefined;
    this.waitingSince = undefined;
    this.release(items, now);
  }

  private breakItem(problem: ChainBreak): AuditItem {
    return { type: 'chain_break', sessionId: this.sessionId, source: this.source, break: problem };
  }
}
