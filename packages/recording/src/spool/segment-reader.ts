import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { decodeFrameAt } from './record-frame.js';

/** Read segment files in windows of this size: large enough to amortise syscalls, small in memory. */
const WINDOW_BYTES = 1024 * 1024;

export interface SegmentRecord {
  readonly offset: number;
  readonly end: number;
  readonly payload: Buffer;
}

/** Why reading a segment stopped before `limit`. */
export interface SegmentDamage {
  readonly offset: number;
  readonly reason: string;
  /**
   * The damage runs to the end of the file and nothing valid follows: what a crash in the middle
   * of a write leaves (a partial frame, or a zero-filled block the file system had allocated).
   */
  readonly tornTail: boolean;
}

export interface SegmentReadResult {
  readonly records: SegmentRecord[];
  /** Offset after the last record returned: where the next read starts. */
  readonly end: number;
  readonly damage: SegmentDamage | undefined;
}

export interface SegmentReadOptions {
  readonly from: number;
  /** Bytes of the file that count: its size, or the committed end of the segment being written. */
  readonly limit: number;
  readonly maxRecords: number;
  /** Keep payloads (reading for a sink) or only validate them (recovery scan). */
  readonly keepPayloads: boolean;
}

/**
 * Reads and validates records of one segment file from `from` up to `limit`, stopping at the
 * first damaged frame. It never skips: every byte between `from` and `end` is intact records.
 */
export async function readSegment(path: string, options: SegmentReadOptions): Promise<SegmentReadResult> {
  const { from, maxRecords, keepPayloads } = options;
  let limit = options.limit;
  const records: SegmentRecord[] = [];
  if (from >= limit || maxRecords <= 0) return { records, end: Math.min(from, limit), damage: undefined };
  const file = await open(path, 'r');
  try {
    let windowStart = from;
    let window: Buffer = Buffer.alloc(0);
    let position = from;
    while (position < limit && records.length < maxRecords) {
      const reading = decodeFrameAt(window, position - windowStart);
      if (reading.kind === 'record') {
        if (reading.payload.length === 0) {
          // Never written by the writer (a payload is a JSON object), but a zero-filled block
          // decodes as length 0 with CRC 0, the CRC of nothing: treat it as the damage it is.
          const damage = await classify(file, position, limit, 'zero-length record', false);
          return { records, end: position, damage };
        }
        const end = windowStart + reading.end;
        records.push({
          offset: position,
          end,
          payload: keepPayloads ? ownPayload(reading.payload) : EMPTY,
        });
        position = end;
        continue;
      }
      if (reading.kind === 'incomplete') {
        const windowEnd = windowStart + window.length;
        if (windowEnd >= limit) {
          const damage = await classify(file, position, limit, 'record truncated at end of file', true);
          return { records, end: position, damage };
        }
        const want = Math.min(Math.max(WINDOW_BYTES, reading.needed), limit - position);
        window = await readAt(file, position, want);
        windowStart = position;
        // The file is shorter than the caller thought (truncated under us): its real end counts.
        if (window.length < want) limit = position + window.length;
        continue;
      }
      const runsToEnd = reading.end !== undefined && windowStart + reading.end === limit;
      const damage = await classify(file, position, limit, reading.reason, runsToEnd);
      return { records, end: position, damage };
    }
    return { records, end: position, damage: undefined };
  } finally {
    await file.close();
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * A payload that does not pin its window: small ones are copied out (a window is 1 MiB), one larger
 * than half a window is most of a window read for it alone, and is kept as it is (copying a
 * 100 MiB record would hold it twice).
 */
function ownPayload(payload: Buffer): Buffer {
  return payload.length > WINDOW_BYTES / 2 ? payload : Buffer.from(payload);
}

async function readAt(file: FileHandle, position: number, length: number) {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * A damaged frame is a torn tail when it is the last thing in the file: it runs past the end, its
 * garbled frame ends exactly at the end, or only zeros follow it. Anything else means valid-looking
 * data follows damage, which a crash does not produce: that is corruption.
 */
async function classify(
  file: FileHandle,
  offset: number,
  limit: number,
  reason: string,
  runsToEnd: boolean,
): Promise<SegmentDamage> {
  if (runsToEnd) {
    return { offset, reason, tornTail: true };
  }
  for (let position = offset; position < limit; position += WINDOW_BYTES) {
    const chunk = await readAt(file, position, Math.min(WINDOW_BYTES, limit - position));
    if (chunk.some((byte) => byte !== 0)) return { offset, reason, tornTail: false };
    if (chunk.length === 0) break;
  }
  return { offset, reason: `${reason}; only zeros follow`, tornTail: true };
}
