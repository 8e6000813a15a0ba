import type { FileHandle } from 'node:fs/promises';
import type { RecordingEvent } from '@airlock/core';
import type { Logger } from 'pino';
import type { FsyncPolicy } from './fsync-policy.js';
import type { FramedRecord } from './record-frame.js';
import { recordingUnavailable } from './recording-unavailable.js';
import { segmentPath } from './segment-names.js';
import { syncDirectory } from './sync-directory.js';
import type { SpoolIo } from './spool-io.js';
import type { SpoolPosition } from './spool-position.js';

/** One write(2) call carries at most this much: bounds a batch's memory and its latency share. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export interface SegmentWriterOptions {
  readonly dir: string;
  readonly segmentBytes: number;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  /** Bytes waiting to be written before appends are refused: the writer's memory bound. */
  readonly maxQueueBytes: number;
  readonly io: SpoolIo;
  readonly logger: Logger;
  /** The first segment number this writer may create. */
  readonly firstSegment: number;
  /** A segment was sealed: it ends at `end` (intact records only) and is never written again. */
  readonly onSeal: (segment: number, end: number) => void;
  /** A new segment file exists and is the active one. */
  readonly onCreate: (segment: number) => void;
  /** Appended records became readable (their appends resolve next), in append order. */
  readonly onCommit: (committed: readonly CommittedRecord[]) => void;
}

/** A record the writer has written, with the event it holds. */
export interface CommittedRecord {
  readonly position: SpoolPosition;
  readonly next: SpoolPosition;
  readonly bytes: number;
  readonly event: RecordingEvent;
}

interface PendingAppend {
  readonly frame: FramedRecord;
  readonly event: RecordingEvent;
  readonly resolve: (position: SpoolPosition) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Appends framed records to the active segment, in order, with group commit: appends that arrive
 * while a write (or, under `always`, a write and its fdatasync) is in flight go out together in
 * the next write. One writer per spool directory; the spool's lock file enforces that.
 */
export class SegmentWriter {
  private readonly options: SegmentWriterOptions;
  private queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private draining = false;
  private rollWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private file: FileHandle | undefined;
  private segmentNumber: number;
  /** Bytes of intact records in the active segment: where the next write goes. */
  private size = 0;
  /** What readers may see of the active segment: records whose append resolved. */
  private committed = 0;
  /** The active file can no longer be trusted past `size` (a failed write, truncate or sync). */
  private broken = false;
  private dirty = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(options: SegmentWriterOptions) {
    this.options = options;
    this.segmentNumber = options.firstSegment;
  }

  /** Creates the first segment, so a directory it cannot write to fails at startup. */
  async start(): Promise<void> {
    await this.openSegment();
  }

  get activeSegment(): number {
    return this.segmentNumber;
  }

  get committedEnd(): number {
    return this.committed;
  }

  /** Appends a framed record; `event` (what the frame holds) is handed to `onCommit`. */
  append(frame: FramedRecord, event: RecordingEvent): Promise<SpoolPosition> {
    if (this.closed) {
      return Promise.reject(recordingUnavailable(this.options.dir, new Error('the spool is closed')));
    }
    if (this.queue.length > 0 && this.queuedBytes + frame.bytes > this.options.maxQueueBytes) {
      const mib = (this.queuedBytes / 1024 / 1024).toFixed(1);
      const cause = new Error(`${mib} MiB are already waiting for a disk that is too slow or stalled`);
      return Promise.reject(recordingUnavailable(this.options.dir, cause));
    }
    return new Promise<SpoolPosition>((resolve, reject) => {
      this.queue.push({ frame, event, resolve, reject });
      this.queuedBytes += frame.bytes;
      this.kick();
    });
  }

  /** Seals the active segment now and starts a new one (before the active one is quarantined). */
  roll(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.rollWaiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Resolves when everything appended so far is written and, unless `never`, synced. */
  async flush(): Promise<void> {
    while (this.draining) await new Promise((resolve) => setImmediate(resolve));
    await this.syncNow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await this.syncing;
    if (this.file && this.options.fsync === 'never') await this.options.io.sync(this.file).catch(() => {});
    await this.file?.close().catch(() => {});
    this.file = undefined;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    // At the end of this turn of the event loop, not in a microtask: every append made while the
    // loop handles the I/O that is ready now (the messages of many calls at once, under load)
    // joins one write(2). In a microtask each relayed message was a write of its own: exactly one
    // record per write at 32 callers, measured, and the writes were 9 % of an agent's CPU
    // (agent-relay-cost.mjs). A lone append waits only for the rest of this turn's callbacks.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.rollWaiters.length > 0) {
        if (this.rollWaiters.length > 0) {
          const waiters = this.rollWaiters.splice(0);
          try {
            await this.openSegment();
            for (const waiter of waiters) waiter.resolve();
          } catch (error) {
            for (const waiter of waiters) waiter.reject(error as Error);
          }
          continue;
        }
        await this.writeBatch(this.takeBatch());
      }
    } finally {
      this.draining = false;
    }
  }

  /** Takes queued appends that fit in one write and in the segment they will land in. */
  private takeBatch(): PendingAppend[] {
    const first = this.queue[0];
    if (!first) return [];
    const rolls = this.mustRollFor(first.frame.bytes);
    let room = Math.min(MAX_BATCH_BYTES, this.options.segmentBytes - (rolls ? 0 : this.size));
    let count = 0;
    for (const pending of this.queue) {
      if (count > 0 && pending.frame.bytes > room) break;
      room -= pending.frame.bytes;
      count += 1;
    }
    const batch = this.queue.splice(0, count);
    for (const pending of batch) this.queuedBytes -= pending.frame.bytes;
    return batch;
  }

  private mustRollFor(bytes: number): boolean {
    // A record larger than a segment gets a segment of its own rather than being refused.
    return (
      this.file === undefined ||
      this.broken ||
      (this.size > 0 && this.size + bytes > this.options.segmentBytes)
    );
  }

  private async writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    const first = batch[0];
    if (!first) return;
    const { io, dir } = this.options;
    try {
      if (this.mustRollFor(first.frame.bytes)) await this.openSegment();
    } catch (error) {
      const failure = recordingUnavailable(dir, error, 'creating a segment in');
      for (const pending of batch) pending.reject(failure);
      return;
    }
    const file = this.file as FileHandle;
    const segment = this.segmentNumber;
    const start = this.size;
    let written = false;
    try {
      await writeFully(
        io,
        file,
        batch.flatMap((pending) => pending.frame.parts),
        start,
      );
      written = true;
      this.size = start + batch.reduce((sum, pending) => sum + pending.frame.bytes, 0);
      if (this.options.fsync === 'always') await io.sync(file);
      else if (this.options.fsync === 'interval') this.scheduleSync();
    } catch (error) {
      await this.discardFrom(file, start);
      // A failed fsync leaves the page cache in an unknown state (see syncNow): seal the file.
      if (written) this.broken = true;
      const failure = recordingUnavailable(dir, error);
      this.options.logger.error(
        { err: error, segment, offset: start, records: batch.length },
        'recording spool write failed; the appends were refused',
      );
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.committed = this.size;
    const committed: CommittedRecord[] = [];
    let offset = start;
    for (const pending of batch) {
      const end = offset + pending.frame.bytes;
      committed.push({
        position: { segment, offset },
        next: { segment, offset: end },
        bytes: pending.frame.bytes,
        event: pending.event,
      });
      offset = end;
    }
    this.options.onCommit(committed);
    for (let index = 0; index < batch.length; index += 1) {
      (batch[index] as PendingAppend).resolve((committed[index] as CommittedRecord).position);
    }
  }

  /**
   * After a failed write or sync, cut the file back to the last intact record so a partial frame
   * never sits between records. If even that fails, the file is sealed at `start` and the next
   * write goes to a new segment; recovery then treats the leftover as damage and reports it.
   */
  private async discardFrom(file: FileHandle, start: number): Promise<void> {
    this.size = start;
    try {
      await this.options.io.truncate(file, start);
    } catch (error) {
      this.broken = true;
      this.options.logger.error(
        { err: error, segment: this.segmentNumber, offset: start },
        'could not truncate a failed write; sealing the segment',
      );
    }
  }

  private scheduleSync(): void {
    this.dirty = true;
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.syncNow();
    }, this.options.fsyncIntervalMs);
    this.syncTimer.unref();
  }

  private async syncNow(): Promise<void> {
    await this.syncing;
    const file = this.file;
    if (!file || !this.dirty || this.options.fsync === 'never') return;
    this.dirty = false;
    this.syncing = this.options.io.sync(file).then(
      () => undefined,
      (error: unknown) => {
        // After a failed fsync the kernel may have dropped the dirty pages and cleared the error:
        // retrying on this file would report success for data that is gone. Seal it instead.
        this.broken = true;
        this.options.logger.error(
          { err: error, segment: this.segmentNumber },
          'recording spool fsync failed; events since the last fsync may be lost on power failure',
        );
      },
    );
    await this.syncing;
    this.syncing = undefined;
  }

  private async openSegment(): Promise<void> {
    const { io, dir, fsync, logger } = this.options;
    const previous = this.file;
    if (previous) {
      this.file = undefined;
      await this.syncing;
      // Sealed segments are always synced, whatever the policy: they then only ever get read.
      await io.sync(previous).catch((error: unknown) => {
        logger.error({ err: error, segment: this.segmentNumber }, 'fsync of a sealed segment failed');
      });
      this.dirty = false;
      await previous.close().catch(() => {});
      this.options.onSeal(this.segmentNumber, this.size);
      this.segmentNumber += 1;
      this.size = 0;
      this.committed = 0;
    }
    try {
      this.file = await io.create(segmentPath(dir, this.segmentNumber));
    } catch (error) {
      // Never write into a file another life of this spool left behind: take the next number.
      if ((error as { code?: unknown }).code === 'EEXIST') this.segmentNumber += 1;
      throw error;
    }
    this.size = 0;
    this.committed = 0;
    this.broken = false;
    // The new file's directory entry must be durable too, or power loss could lose the whole file.
    if (fsync !== 'never') await syncDirectory(dir).catch(() => {});
    this.options.onCreate(this.segmentNumber);
  }
}

async function writeFully(io: SpoolIo, file: FileHandle, parts: readonly Buffer[], position: number) {
  let buffers = parts;
  let at = position;
  let remaining = parts.reduce((sum, part) => sum + part.length, 0);
  while (remaining > 0) {
    const written = await io.writev(file, buffers, at);
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    remaining -= written;
    at += written;
    if (remaining > 0) buffers = after(buffers, written);
  }
}

/** What is left of `buffers` once their first `bytes` are written (views, no copy). */
function after(buffers: readonly Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  let index = 0;
  while (index < buffers.length && skip >= (buffers[index] as Buffer).length) {
    skip -= (buffers[index] as Buffer).length;
    index += 1;
  }
  const rest = buffers.slice(index);
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(skip);
  return rest;
}
