import { mkdir, stat, unlink } from 'node:fs/promises';
import { AirlockError, childLogger, type RecordingEvent } from '@airlock/core';
import { pino, type Logger } from 'pino';
import { readCursorFile } from './cursor-file.js';
import { DEFAULT_FSYNC_INTERVAL_MS, FSYNC_POLICIES, type FsyncPolicy } from './fsync-policy.js';
import { cryptoFailureReason } from '../crypto/crypto-errors.js';
import type { KeyWrapper } from '../crypto/key-wrapper.js';
import { SessionKeyRing } from '../crypto/session-key-ring.js';
import { isEncryptedPayload, openSpoolRecord, sealSpoolRecord } from './encrypted-record.js';
import { encodeBinaryFrame, encodeFrame } from './record-frame.js';
import { recordingUnavailable, spoolUnusable } from './recording-unavailable.js';
import { purgeQuarantined } from './purge-quarantined.js';
import { segmentPath } from './segment-names.js';
import { readSegment, type SegmentDamage } from './segment-reader.js';
import { SegmentWriter } from './segment-writer.js';
import { DEFAULT_CURSOR_PERSIST_MS, SpoolCursors } from './spool-cursors.js';
import { SpoolTail } from './spool-tail.js';
import { nodeSpoolIo, type SpoolIo } from './spool-io.js';
import { lockSpool } from './spool-lock.js';
import { comparePositions, type SpoolPosition } from './spool-position.js';
import { quarantineSegment, recoverSegments } from './spool-recovery.js';
import type { SpoolProblem } from './spool-problem.js';
import { syncDirectory } from './sync-directory.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SPOOL_SINKS = ['store', 'kinesis'] as const;
const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024;
/** Recent records kept in memory for sinks that keep up (see spool-tail.ts). */
const DEFAULT_TAIL_BYTES = 8 * 1024 * 1024;

export interface SpoolOptions {
  readonly dir: string;
  /** The consumers that must each acknowledge a record before its segment is deleted. */
  readonly sinks?: readonly string[];
  readonly segmentBytes?: number;
  readonly fsync?: FsyncPolicy;
  readonly fsyncIntervalMs?: number;
  /** Appended bytes allowed to wait for the disk before appends are refused. */
  readonly maxQueueBytes?: number;
  /** Bytes of recent records kept in memory for sinks that keep up; 0 reads everything from disk. */
  readonly tailBytes?: number;
  /**
   * Acknowledgements are written to disk at most this often (default 1000 ms); 0 writes each one
   * before `ack` resolves. `close` and `flushCursors` write them at once.
   */
  readonly cursorPersistMs?: number;
  readonly io?: SpoolIo;
  readonly logger?: Logger;
  /** Called for each problem found, at open and later (also logged). */
  readonly onProblem?: (problem: SpoolProblem) => void;
  /**
   * Encrypt records at rest (one data key per session, wrapped by `wrapper`; see
   * encrypted-record.ts). Records written without encryption stay readable.
   */
  readonly encryption?: { readonly wrapper: KeyWrapper; readonly maxCachedKeys?: number } | undefined;
}

/** What `Spool.purgeOlderThan` deleted. */
export interface SpoolPurgeResult {
  /** Delivered segments whose last write was before the cutoff. */
  readonly segments: number;
  /** Quarantined (`.seg.corrupt`) segments whose last write was before the cutoff. */
  readonly quarantined: number;
}

export interface SpoolRecord {
  readonly position: SpoolPosition;
  /** The position after this record: acknowledge it once the record is delivered. */
  readonly next: SpoolPosition;
  readonly event: RecordingEvent;
  /**
   * The event's UTF-8 JSON exactly as spooled, when the record was read from a segment file that
   * holds it in clear: a sink sending JSON sends these bytes instead of serialising the event
   * again. Records served from the in-memory tail have none: keeping each one's bytes there cost
   * more in garbage collection than serialising them again (measured: +7 to +20 µs per relayed
   * call on the agent).
   */
  readonly json?: Buffer | undefined;
}

/** A plaintext record this large is parsed only when its event is read (see LargeSpoolRecord). */
export const PARSE_WHEN_READ_BYTES = 1024 * 1024;

/**
 * A large record read from a segment file: its event is parsed when first asked for. A sink that
 * sends JSON (the agent's gateway sink) sends the bytes and never asks, so a 100 MiB recorded
 * result is not turned into two more copies of itself (the text and the parsed value) on its way
 * out. The bytes passed the CRC and look like a JSON object; what else JSON.parse would have
 * found at read time it finds when asked.
 */
class LargeSpoolRecord implements SpoolRecord {
  #event: RecordingEvent | undefined;

  constructor(
    readonly position: SpoolPosition,
    readonly next: SpoolPosition,
    readonly json: Buffer,
  ) {}

  get event(): RecordingEvent {
    this.#event ??= JSON.parse(this.json.toString('utf8')) as RecordingEvent;
    return this.#event;
  }

  /** The event's time when it has been parsed already, else undefined. */
  get parsedAt(): string | undefined {
    return this.#event?.at;
  }
}

/** When a record's event was recorded, if that is known without parsing it. */
export function spooledAt(record: SpoolRecord): string | undefined {
  return record instanceof LargeSpoolRecord ? record.parsedAt : record.event.at;
}

export interface SpoolBatch {
  readonly records: SpoolRecord[];
  /** Where the next read continues; equal to the last record's `next`, or `from` if empty. */
  readonly next: SpoolPosition;
}

/**
 * The durable local spool: every recording event is appended here before it counts as recorded;
 * the store and Kinesis sinks then read it at their own pace, each from its own cursor, and
 * acknowledge what they delivered. Delivery is at-least-once: a restart replays from the cursors.
 *
 * On disk: `<12-digit number>.seg` segment files of framed records (see record-frame.ts),
 * `cursors.json` and `spool.lock`. The active segment is always a new one per process, so a
 * segment is written by exactly one process life and never appended to after recovery.
 */
export class Spool {
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  private readonly sinks: readonly string[];
  private readonly logger: Logger;
  private readonly onProblem: ((problem: SpoolProblem) => void) | undefined;
  private readonly keyRing: SessionKeyRing | undefined;
  private readonly writer: SegmentWriter;
  private readonly unlock: () => Promise<void>;
  /** Live segments, ascending; the last one is the active segment. */
  private readonly segments: number[];
  /** End of the intact records of each sealed segment. */
  private readonly sealedEnds = new Map<number, number>();
  private readonly cursors: SpoolCursors;
  private readonly found: SpoolProblem[] = [];
  private readonly tail: SpoolTail;
  private closed = false;
  private readonly appendWaiters: Array<() => void> = [];

  private constructor(init: {
    options: SpoolOptions;
    sinks: readonly string[];
    logger: Logger;
    unlock: () => Promise<void>;
    segments: number[];
    sealedEnds: Map<number, number>;
    firstSegment: number;
    fsync: FsyncPolicy;
  }) {
    const { options } = init;
    this.dir = options.dir;
    this.fsync = init.fsync;
    this.sinks = init.sinks;
    this.logger = init.logger;
    this.onProblem = options.onProblem;
    // No key store: each record carries its wrapped key, so the spool never depends on the database.
    this.keyRing = options.encryption
      ? new SessionKeyRing({
          wrapper: options.encryption.wrapper,
          maxCachedKeys: options.encryption.maxCachedKeys,
        })
      : undefined;
    this.unlock = init.unlock;
    this.tail = new SpoolTail(options.tailBytes ?? DEFAULT_TAIL_BYTES);
    this.cursors = new SpoolCursors({
      dir: options.dir,
      persistMs: options.cursorPersistMs ?? DEFAULT_CURSOR_PERSIST_MS,
      logger: init.logger,
      afterPersist: () => this.deleteDelivered(),
    });
    this.segments = init.segments;
    this.sealedEnds = init.sealedEnds;
    this.writer = new SegmentWriter({
      dir: options.dir,
      segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      fsync: init.fsync,
      fsyncIntervalMs: options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS,
      maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
      io: options.io ?? nodeSpoolIo,
      logger: init.logger,
      firstSegment: init.firstSegment,
      onSeal: (segment, end) => {
        this.sealedEnds.set(segment, end);
        void this.deleteDelivered();
      },
      onCreate: (segment) => this.segments.push(segment),
      onCommit: (committed) => {
        this.tail.add(committed);
        const waiters = this.appendWaiters.splice(0);
        for (const wake of waiters) wake();
      },
    });
  }

  /**
   * Opens (creating if needed) and recovers a spool directory: validates every segment, truncates
   * a torn tail of the last one, quarantines damaged ones, loads the cursors and starts a new
   * active segment. Throws if the directory cannot be written or another process holds it.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const sinks = [...new Set(options.sinks ?? DEFAULT_SPOOL_SINKS)];
    const fsync = options.fsync ?? 'interval';
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (sinks.length === 0)
      throw new AirlockError('config_invalid', 'A recording spool needs at least one sink.');
    if (!FSYNC_POLICIES.includes(fsync)) {
      throw new AirlockError(
        'config_invalid',
        `Unknown spool fsync policy "${fsync}"; use always, interval or never.`,
      );
    }
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 4096) {
      throw new AirlockError('config_invalid', 'The spool segment size must be at least 4096 bytes.');
    }
    const logger = childLogger(options.logger ?? pino({ enabled: false }), { component: 'spool' });
    try {
      await mkdir(options.dir, { recursive: true });
    } catch (error) {
      throw spoolUnusable(options.dir, error);
    }
    const unlock = await lockSpool(options.dir);
    let spool: Spool | undefined;
    try {
      const stored = await readCursorFile(options.dir);
      const storedCursors = stored.kind === 'cursors' ? stored.cursors : {};
      const { segments, sealedEnds, highest, problems } = await recoverSegments(
        options.dir,
        storedCursors,
        sinks,
      );
      if (stored.kind === 'unreadable') problems.unshift({ kind: 'cursors_reset', reason: stored.reason });
      const highestCursor = Math.max(0, ...Object.values(storedCursors).map((cursor) => cursor.segment));
      spool = new Spool({
        options,
        sinks,
        logger,
        unlock,
        segments,
        sealedEnds,
        firstSegment: Math.max(highest, highestCursor) + 1,
        fsync,
      });
      for (const problem of problems) spool.report(problem);
      const oldest = { segment: segments[0] ?? Math.max(highest, highestCursor) + 1, offset: 0 };
      for (const sink of sinks) spool.cursors.set(sink, spool.normalize(storedCursors[sink] ?? oldest));
      try {
        await spool.writer.start();
      } catch (error) {
        throw spoolUnusable(options.dir, error);
      }
      for (const sink of sinks) spool.cursors.set(sink, spool.normalize(spool.cursor(sink)));
      await spool.cursors.persist();
      await spool.deleteDelivered();
      logger.debug({ segments: spool.segments.length, cursors: spool.cursors.snapshot() }, 'spool open');
      return spool;
    } catch (error) {
      await spool?.writer.close().catch(() => {});
      await unlock();
      throw error;
    }
  }

  /** Problems found since open (recovery included), oldest first. */
  get problems(): readonly SpoolProblem[] {
    return this.found;
  }

  /**
   * Appends one event; resolves with its position once it is written per the fsync policy, and
   * rejects with `recording_unavailable` if it could not be (disk full, permission, I/O error,
   * writer queue full). Appends are written in call order; with encryption, in call order per
   * session (a session's first append waits for its new data key, others need not wait for it).
   * `json`, when given, must be the UTF-8 JSON of `event` (the recorder passes the bytes it hashed).
   */
  append(event: RecordingEvent, json?: Buffer): Promise<SpoolPosition> {
    if (this.closed) return Promise.reject(recordingUnavailable(this.dir, new Error('the spool is closed')));
    const text = json ?? JSON.stringify(event);
    if (!this.keyRing) {
      return this.writer.append(
        typeof text === 'string' ? encodeFrame(text) : encodeBinaryFrame(text),
        event,
      );
    }
    // Appends of one session await the same key promise, so they still reach the writer in call
    // order; a key that cannot be had (KMS down) refuses the event like a full disk would.
    return sealSpoolRecord(event, text, this.keyRing).then(
      (payload) => this.writer.append(encodeBinaryFrame(...payload), event),
      (error: unknown) => {
        throw recordingUnavailable(this.dir, error, 'encrypting the event for');
      },
    );
  }

  /**
   * Retention: deletes sealed segments last written before `cutoff` that every sink has
   * acknowledged (normally already gone; this catches ones a failed unlink left behind), and
   * quarantined segments last written before `cutoff`. Records not yet delivered are kept whatever
   * their age: deleting them would lose events that were acknowledged as recorded.
   */
  async purgeOlderThan(cutoff: Date): Promise<SpoolPurgeResult> {
    let segments = 0;
    for (const segment of [...this.segments]) {
      if (segment === this.writer.activeSegment || !this.sealedEnds.has(segment)) break;
      if (!this.sinks.every((sink) => this.normalize(this.cursor(sink)).segment > segment)) break;
      const path = segmentPath(this.dir, segment);
      const modified = await stat(path).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (modified !== undefined && modified >= cutoff.getTime()) break;
      this.forget(segment);
      await unlink(path).catch(() => {});
      segments += 1;
    }
    const quarantined = await purgeQuarantined(this.dir, cutoff);
    if (segments + quarantined > 0 && this.fsync !== 'never') await syncDirectory(this.dir).catch(() => {});
    return { segments, quarantined };
  }

  /** The first position `sink` has not acknowledged. */
  cursor(sink: string): SpoolPosition {
    const cursor = this.cursors.get(sink);
    if (!cursor) throw new AirlockError('internal', `"${sink}" is not a sink of the spool ${this.dir}.`);
    return cursor;
  }

  /**
   * Reads up to `maxRecords` appended records for `sink`, from its cursor or from `from` (a sink
   * that reads ahead of its acknowledgements passes the previous batch's `next`). Damage found
   * while reading quarantines the segment, is reported, and reading continues after it.
   */
  async read(sink: string, from: SpoolPosition = this.cursor(sink), maxRecords = 500): Promise<SpoolBatch> {
    this.cursor(sink);
    const records: SpoolRecord[] = [];
    let position = this.normalize(from);
    const recent = this.tail.from(position, maxRecords);
    if (recent) {
      for (const { position: at, next, event } of recent) records.push({ position: at, next, event });
      return { records, next: recent.at(-1)?.next ?? position };
    }
    while (records.length < maxRecords && this.segments.includes(position.segment)) {
      const { segment } = position;
      const active = segment === this.writer.activeSegment;
      const limit = active ? this.writer.committedEnd : (this.sealedEnds.get(segment) ?? 0);
      let result;
      try {
        result = await readSegment(segmentPath(this.dir, segment), {
          from: position.offset,
          limit,
          maxRecords: maxRecords - records.length,
          keepPayloads: true,
        });
      } catch (error) {
        // Deleted under us: every sink had passed it, so continue with what follows it.
        if ((error as { code?: unknown }).code === 'ENOENT' && !this.segments.includes(segment)) {
          position = this.normalize(position);
          continue;
        }
        throw error;
      }
      let damage: SegmentDamage | undefined = result.damage;
      let end = result.end;
      for (const record of result.records) {
        const plain = !this.keyRing && !isEncryptedPayload(record.payload);
        if (plain && record.payload.length >= PARSE_WHEN_READ_BYTES && looksLikeObject(record.payload)) {
          records.push(
            new LargeSpoolRecord(
              { segment, offset: record.offset },
              { segment, offset: record.end },
              record.payload,
            ),
          );
          continue;
        }
        let event: RecordingEvent;
        try {
          event = await this.decodeRecord(record.payload);
        } catch (error) {
          // A missing or unreachable key is fixable configuration, not damage: the sink retries.
          const reason = cryptoFailureReason(error);
          if (reason !== undefined && reason !== 'tampered') throw error;
          damage = {
            offset: record.offset,
            reason:
              reason === 'tampered'
                ? `failed authentication: ${(error as Error).message}`
                : `not JSON: ${(error as Error).message}`,
            tornTail: false,
          };
          end = record.offset;
          break;
        }
        records.push({
          position: { segment, offset: record.offset },
          next: { segment, offset: record.end },
          event,
          ...(plain ? { json: record.payload } : {}),
        });
      }
      position = { segment, offset: end };
      if (damage) {
        this.tail.clear();
        if (active) await this.writer.roll();
        const intact = records.filter((record) => record.position.segment === segment).length;
        this.report(
          await quarantineSegment(this.dir, segment, damage, intact, this.cursors.snapshot(), this.sinks),
        );
        this.forget(segment);
        position = this.normalize(position);
        continue;
      }
      if (active || records.length >= maxRecords) break;
      position = this.normalize(position);
    }
    return { records, next: position };
  }

  /**
   * Records that `sink` has delivered everything before `upTo` (a record's `next`, or a batch's
   * `next`). Written to disk within `cursorPersistMs` (before it resolves when that is 0);
   * segments every sink has passed are deleted after the write. Acknowledging a position behind
   * the cursor changes nothing.
   */
  async ack(sink: string, upTo: SpoolPosition): Promise<void> {
    const current = this.cursor(sink);
    const next = this.normalize(upTo);
    if (comparePositions(next, current) <= 0) return;
    const advanced = this.cursors.advance(sink, next);
    this.tail.dropAcknowledged(this.oldestCursor());
    await advanced;
  }

  /** The position the slowest sink has yet to acknowledge. */
  private oldestCursor(): SpoolPosition {
    let oldest: SpoolPosition | undefined;
    for (const [, position] of this.cursors.entries()) {
      if (oldest === undefined || comparePositions(position, oldest) < 0) oldest = position;
    }
    return oldest ?? { segment: 0, offset: 0 };
  }

  /** Writes acknowledged cursors now (if any changed) and deletes the segments they passed. */
  flushCursors(): Promise<void> {
    return this.cursors.flush();
  }

  /**
   * Resolves when new records can be read (the next append batch is committed), or when the spool
   * closes: a sink that read an empty batch waits on this instead of polling.
   */
  nextAppend(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.appendWaiters.push(resolve));
  }

  /** Waits until every append so far is written and synced (unless `never`). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    for (const wake of this.appendWaiters.splice(0)) wake();
    await this.cursors.close();
    await this.unlock();
  }

  /** Segments on disk and the records each sink has yet to acknowledge, in bytes (approximate). */
  backlog(): { segments: number; bytesBehind: Record<string, number> } {
    const bytesBehind: Record<string, number> = {};
    for (const [sink, cursor] of this.cursors.entries()) {
      let bytes = 0;
      for (const segment of this.segments) {
        const end =
          segment === this.writer.activeSegment
            ? this.writer.committedEnd
            : (this.sealedEnds.get(segment) ?? 0);
        if (segment > cursor.segment) bytes += end;
        else if (segment === cursor.segment) bytes += Math.max(0, end - cursor.offset);
      }
      bytesBehind[sink] = bytes;
    }
    return { segments: this.segments.length, bytesBehind };
  }

  /**
   * The canonical form of a position: one at (or past) the end of a sealed segment, or in a
   * segment that is gone, becomes the start of the next live segment.
   */
  private normalize(position: SpoolPosition): SpoolPosition {
    let current = position;
    for (;;) {
      const { segment } = current;
      if (segment === this.writer.activeSegment && this.segments.includes(segment)) return current;
      const end = this.sealedEnds.get(segment);
      if (end !== undefined && this.segments.includes(segment) && current.offset < end) return current;
      const next = this.segments.find((candidate) => candidate > segment);
      if (next === undefined) return current;
      current = { segment: next, offset: 0 };
    }
  }

  /**
   * Deletes sealed segments that every sink has passed. Never throws: a segment that cannot be
   * deleted stays on disk and is found (and re-delivered, at least once) after a restart.
   */
  private async deleteDelivered(): Promise<void> {
    try {
      await this.deleteDeliveredSegments();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not delete a delivered spool segment');
    }
  }

  private async deleteDeliveredSegments(): Promise<void> {
    let deleted = false;
    for (const segment of [...this.segments]) {
      if (segment === this.writer.activeSegment || !this.sealedEnds.has(segment)) break;
      const passed = this.sinks.every((sink) => this.normalize(this.cursor(sink)).segment > segment);
      if (!passed) break;
      this.forget(segment);
      await unlink(segmentPath(this.dir, segment)).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
      });
      deleted = true;
    }
    if (deleted && this.fsync !== 'never') await syncDirectory(this.dir).catch(() => {});
  }

  private async decodeRecord(payload: Buffer): Promise<RecordingEvent> {
    if (isEncryptedPayload(payload)) return openSpoolRecord(payload, this.keyRing);
    return JSON.parse(payload.toString('utf8')) as RecordingEvent;
  }

  private forget(segment: number): void {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    this.sealedEnds.delete(segment);
  }

  private report(problem: SpoolProblem): void {
    this.found.push(problem);
    if (problem.kind === 'torn_tail_truncated') {
      this.logger.info(
        { problem },
        'truncated a torn record at the end of the last spool segment (crash recovery)',
      );
    } else if (problem.kind === 'segment_quarantined') {
      this.logger.error(
        { problem },
        `spool segment ${problem.segment} is damaged at offset ${problem.offset} (${problem.reason}); ` +
          `moved to ${problem.path} and no longer delivered`,
      );
    } else {
      this.logger.error(
        { problem },
        'spool cursors were unreadable; every sink restarts from the oldest segment',
      );
    }
    this.onProblem?.(problem);
  }
}

/** `{` … `}` around optional white space: what a spooled event's JSON is. */
function looksLikeObject(payload: Buffer): boolean {
  let start = 0;
  let end = payload.length - 1;
  while (start < end && isJsonSpace(payload[start] as number)) start++;
  while (end > start && isJsonSpace(payload[end] as number)) end--;
  return payload[start] === 0x7b && payload[end] === 0x7d;
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
