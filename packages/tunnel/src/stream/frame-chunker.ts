import type { Frame } from '../generated/airlock/tunnel/v1/Frame.js';
import type { FrameMeta } from '../tunnel-stream.js';

/**
 * gRPC refuses messages over 4 MiB by default; frames stay far below that so one large JSON-RPC
 * message never needs a raised limit and never holds the HTTP/2 stream for long.
 */
export const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024;
/** The largest chunk size accepted in options: half the 4 MiB gRPC default, leaving headroom. */
export const MAX_ALLOWED_CHUNK_BYTES = 2 * 1024 * 1024;

/** A frame on its way out; its data is always a Buffer slice of the message. */
export type OutgoingFrame = Frame & { data: Buffer };

/**
 * Splits one message into frames of at most `maxChunkBytes`; metadata rides on the first frame,
 * and `last` (the sender's End riding on the message: Frame.last) on the final one.
 */
export function* chunkMessage(
  data: Buffer,
  meta: FrameMeta | undefined,
  maxChunkBytes: number,
  last = false,
): Generator<OutgoingFrame> {
  const first: Frame = {
    ...(meta?.relatedRequest ? { relatedRequest: meta.relatedRequest } : {}),
    ...(meta?.httpStatus ? { httpStatus: meta.httpStatus } : {}),
    ...(meta?.masking && meta.masking.length > 0 ? { masking: [...meta.masking] } : {}),
    ...(meta?.eventStream ? { eventStream: true } : {}),
    ...(meta?.streamPolled ? { streamPolled: true } : {}),
    ...(meta?.retryMs ? { retryMs: meta.retryMs } : {}),
    ...(meta?.traceparent ? { traceparent: meta.traceparent } : {}),
  };
  if (data.length === 0) {
    yield { ...first, data, more: false, ...(last ? { last } : {}) };
    return;
  }
  for (let offset = 0; offset < data.length; offset += maxChunkBytes) {
    const end = Math.min(offset + maxChunkBytes, data.length);
    const more = end < data.length;
    yield {
      ...(offset === 0 ? first : {}),
      data: data.subarray(offset, end),
      more,
      ...(last && !more ? { last } : {}),
    };
  }
}

export function checkChunkBytes(value: number): number {
  if (!Number.isInteger(value) || value < 1024 || value > MAX_ALLOWED_CHUNK_BYTES) {
    throw new RangeError(
      `maxChunkBytes must be an integer between 1024 and ${MAX_ALLOWED_CHUNK_BYTES} (gRPC's default message limit is 4 MiB); got ${value}`,
    );
  }
  return value;
}
