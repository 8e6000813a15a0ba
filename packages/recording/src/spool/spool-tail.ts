import type { RecordingEvent } from '@airlock/core';
import { comparePositions, type SpoolPosition } from './spool-position.js';

/** A committed record as the tail keeps it: the event object that was appended, not its bytes. */
export interface TailRecord {
  readonly position: SpoolPosition;
  readonly next: SpoolPosition;
  readonly event: RecordingEvent;
  /** Its frame's size on disk, what the tail's budget counts. */
  readonly bytes: number;
}

/** Records above this size are not kept: one would push out everything else. */
const MAX_TAIL_RECORD_BYTES = 1024 * 1024;

/**
 * The most recently committed records, in memory, so that sinks keeping up with the spool read
 * what was just appended without opening, reading and decoding (decrypting) segment files: a
 * caught-up pump then costs an array slice. Holds a contiguous run of records in append order, up
 * to `maxBytes` of frames and none that every sink has acknowledged; anything older, or after a
 * restart, is read from disk as before.
 */
export class SpoolTail {
  /** Slots before `head` are trimmed (undefined, so their events can be collected at once). */
  private records: Array<TailRecord | undefined> = [];
  private head = 0;
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Adds records committed in order; a record too large for the tail breaks the run and clears it. */
  add(committed: readonly TailRecord[]): void {
    if (this.maxBytes <= 0) return;
    for (const record of committed) {
      if (record.bytes > MAX_TAIL_RECORD_BYTES) {
        this.clear();
        continue;
      }
      this.records.push(record);
      this.bytes += record.bytes;
    }
    this.dropOldestWhile(() => this.bytes > this.maxBytes);
  }

  /** Lets go of the oldest records for as long as `drop` says so. */
  private dropOldestWhile(drop: (oldest: TailRecord) => boolean): void {
    while (this.head < this.records.length) {
      const oldest = this.records[this.head] as TailRecord;
      if (!drop(oldest)) break;
      this.bytes -= oldest.bytes;
      // Released now, not at the next compaction: until then the array held up to twice the
      // budget's records (a gateway's heap snapshot in a soak: 25,000 events in the tail's array).
      this.records[this.head] = undefined;
      this.head += 1;
    }
    // Compacts now and then rather than shifting on every trim.
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Up to `maxRecords` records starting exactly at `from` (a record's start, or the end of the
   * last record: then none), or undefined when the tail does not reach back to `from`.
   */
  from(from: SpoolPosition, maxRecords: number): TailRecord[] | undefined {
    const last = this.records[this.records.length - 1];
    if (!last || this.head >= this.records.length) return undefined;
    if (comparePositions(from, last.next) === 0) return [];
    let low = this.head;
    let high = this.records.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = comparePositions((this.records[middle] as TailRecord).position, from);
      if (order === 0) return this.records.slice(middle, middle + maxRecords) as TailRecord[];
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /**
   * Lets go of the records that end at or before `upTo`, the oldest position a sink has yet to
   * acknowledge: no sink reads them again. A sink that keeps up acknowledges each batch a linger
   * after it was appended, so the tail then holds that much, not its whole budget: on a role
   * under load, the budget's ~12,000 events were ~9 MB of its heap, every one of them promoted
   * and marked by each full collection while no reader needed it.
   */
  dropAcknowledged(upTo: SpoolPosition): void {
    this.dropOldestWhile((oldest) => comparePositions(oldest.next, upTo) <= 0);
  }

  /** Forgets everything (a segment was quarantined or rolled under a reader). */
  clear(): void {
    this.records = [];
    this.head = 0;
    this.bytes = 0;
  }
}
