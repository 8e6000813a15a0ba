import { AirlockError } from '@airlock/core';
import type { Frame__Output } from '../generated/airlock/tunnel/v1/Frame.js';
import type { TunnelMessage } from '../tunnel-stream.js';

/** Default cap on one reassembled message; matches the gateway's limits.maxMessageBytes default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Rebuilds whole messages from consecutive frames, refusing any message over `maxMessageBytes`. */
export class MessageAssembler {
  readonly #maxMessageBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #first: Frame__Output | undefined;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Takes the next frame; returns the whole message when this frame completes one. */
  push(frame: Frame__Output): TunnelMessage | undefined {
    this.#first ??= frame;
    this.#size += frame.data.length;
    if (this.#size > this.#maxMessageBytes) {
      throw new AirlockError(
        'message_too_large',
        `A message on the tunnel exceeded ${this.#maxMessageBytes} bytes and was refused; raise limits.maxMessageBytes if such messages are expected.`,
      );
    }
    if (frame.more && frame.data.length === 0) {
      // An empty non-final frame adds nothing; refusing it bounds the parts list by the byte cap.
      throw new AirlockError(
        'internal',
        'The peer sent an empty continuation frame; this is a tunnel protocol error.',
      );
    }
    this.#parts.push(frame.data);
    if (frame.more) return undefined;

    const first = this.#first;
    const data =
      this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    this.#first = undefined;
    return {
      data,
      ...(first.relatedRequest ? { relatedRequest: first.relatedRequest } : {}),
      ...(first.httpStatus ? { httpStatus: first.httpStatus } : {}),
      ...(first.masking?.length
        ? { masking: first.masking.map((f) => ({ type: f.type, path: f.path, count: f.count })) }
        : {}),
      ...(first.eventStream ? { eventStream: true } : {}),
      ...(first.streamPolled ? { streamPolled: true } : {}),
      ...(first.retryMs ? { retryMs: first.retryMs } : {}),
      ...(first.traceparent ? { traceparent: first.traceparent } : {}),
    };
  }
}
