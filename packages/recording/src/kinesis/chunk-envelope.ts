/**
 * A recording event too large for one Kinesis record (1 MiB with its partition key) travels as
 * several records, each one JSON object:
 *
 *   { "v": 1, "eventId": "…", "sessionId": "…", "chunk": 0, "chunks": 4, "data": "<base64>" }
 *
 * - `chunk` is 0-based, `chunks` is the total; every chunk of an event has the same `eventId`,
 *   `sessionId` and `chunks`, and the session id as partition key (so all go to one shard).
 * - `data` is base64 of a byte range of the event's UTF-8 JSON text. To reassemble: collect
 *   `chunks` distinct `chunk` numbers for an `eventId`, base64-decode each, concatenate in `chunk`
 *   order, decode UTF-8, parse JSON — the result is the event (its `hash` verifies as usual).
 * - Chunks may arrive out of order, duplicated (at-least-once delivery) or interleaved with other
 *   records. A record is an envelope if it has `v` and `chunks`; an event has `schema` instead.
 */
export const CHUNK_ENVELOPE_VERSION = 1 as const;

export interface ChunkEnvelope {
  readonly v: typeof CHUNK_ENVELOPE_VERSION;
  readonly eventId: string;
  readonly sessionId: string;
  readonly chunk: number;
  readonly chunks: number;
  readonly data: string;
}

/**
 * Splits `text` (an event's JSON) into envelopes whose JSON each takes at most `maxBytes` bytes.
 */
export function chunkEventText(
  text: Uint8Array,
  eventId: string,
  sessionId: string,
  maxBytes: number,
): ChunkEnvelope[] {
  // Envelope overhead measured with the widest chunk numbers the split can produce.
  const overhead = Buffer.byteLength(
    JSON.stringify({ v: 1, eventId, sessionId, chunk: 999_999, chunks: 999_999, data: '' }),
  );
  const rawPerChunk = Math.floor((maxBytes - overhead) / 4) * 3;
  if (rawPerChunk <= 0) throw new RangeError(`a record of ${maxBytes} bytes cannot hold a chunk envelope`);
  const chunks = Math.ceil(text.length / rawPerChunk);
  const envelopes: ChunkEnvelope[] = [];
  for (let chunk = 0; chunk < chunks; chunk += 1) {
    const slice = text.subarray(chunk * rawPerChunk, (chunk + 1) * rawPerChunk);
    envelopes.push({
      v: CHUNK_ENVELOPE_VERSION,
      eventId,
      sessionId,
      chunk,
      chunks,
      data: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('base64'),
    });
  }
  return envelopes;
}
