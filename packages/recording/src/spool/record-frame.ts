import { crc32 } from 'node:zlib';

/**
 * One spool record on disk: `[u32 LE payload length][u32 LE CRC-32 of payload][payload]`, the
 * payload being the UTF-8 JSON of one RecordingEvent, or that JSON encrypted (see encrypted-record.ts).
 *
 * CRC-32 (IEEE, the zlib/gzip polynomial) from `node:zlib`: `zlib.crc32` exists since Node 20.15
 * (the engines floor is 20.19), runs in zlib's native code and needs no dependency. CRC-32C would
 * be slightly stronger, but no maintained pure-JS CRC-32C is faster than native zlib, and CRC-32
 * detects every burst error up to 32 bits, which is what a torn write or a flipped byte looks like.
 */
export const FRAME_HEADER_BYTES = 8;

/**
 * Upper bound on one record. A length above it can only be corruption (a JSON-RPC message is
 * capped far lower upstream), and checking it keeps a garbage length from allocating gigabytes.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/**
 * One record ready to write: its frame as the buffers that join to it, written together with one
 * vectored write (never concatenated: a 100 MiB recorded message would otherwise be copied once
 * more, whole, only to put 8 bytes in front of it).
 */
export interface FramedRecord {
  readonly parts: readonly Buffer[];
  /** The frame's length: the header and the payload. */
  readonly bytes: number;
}

/** Frames a payload given as text, encoding it as UTF-8 straight into the frame (one copy). */
export function encodeFrame(text: string): FramedRecord {
  const length = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.write(text, FRAME_HEADER_BYTES, 'utf8');
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return { parts: [frame], bytes: frame.length };
}

/**
 * A payload at least this long is written after its header as it is; a shorter one is copied into
 * one buffer with its header, as the many small records under load write quicker that way.
 */
const WRITTEN_APART_BYTES = 64 * 1024;

/**
 * Frames a binary payload (the recorder's sealed JSON, an encrypted record) given in one or more
 * pieces. A large payload is not copied: its pieces follow an 8-byte header in the write.
 */
export function encodeBinaryFrame(...payload: Buffer[]): FramedRecord {
  let length = 0;
  let crc = 0;
  for (const piece of payload) {
    length += piece.length;
    crc = crc32(piece, crc);
  }
  const small = length < WRITTEN_APART_BYTES;
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES + (small ? length : 0));
  header.writeUInt32LE(length, 0);
  header.writeUInt32LE(crc, 4);
  if (!small) return { parts: [header, ...payload], bytes: FRAME_HEADER_BYTES + length };
  let offset = FRAME_HEADER_BYTES;
  for (const piece of payload) offset += piece.copy(header, offset);
  return { parts: [header], bytes: header.length };
}

export type FrameReading =
  | { readonly kind: 'record'; readonly payload: Buffer; readonly end: number }
  /** The buffer ends inside this frame: read more, or (at end of file) it is a torn tail. */
  | { readonly kind: 'incomplete'; readonly needed: number }
  | { readonly kind: 'corrupt'; readonly reason: string; readonly end: number | undefined };

/** Decodes the frame starting at `offset` of `buffer` (a window of a segment file). */
export function decodeFrameAt(buffer: Buffer, offset: number): FrameReading {
  if (buffer.length - offset < FRAME_HEADER_BYTES) {
    return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  }
  const length = buffer.readUInt32LE(offset);
  const expectedCrc = buffer.readUInt32LE(offset + 4);
  if (length > MAX_RECORD_BYTES) {
    return { kind: 'corrupt', reason: `record length ${length} exceeds the maximum`, end: undefined };
  }
  const end = offset + FRAME_HEADER_BYTES + length;
  if (buffer.length < end) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES + length };
  const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, end);
  const actualCrc = crc32(payload);
  if (actualCrc !== expectedCrc) {
    return {
      kind: 'corrupt',
      reason: `CRC mismatch (stored ${hex(expectedCrc)}, computed ${hex(actualCrc)})`,
      end,
    };
  }
  return { kind: 'record', payload, end };
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
