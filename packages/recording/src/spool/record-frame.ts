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

/** Frames a payload given as text, encoding it as UTF-8 straight into the frame (one copy). */
export function encodeFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.write(text, FRAME_HEADER_BYTES, 'utf8');
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

/** Frames a binary payload (an encrypted record, see encrypted-record.ts). */
export function encodeBinaryFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return frame;
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
