import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import type { FrameMeta } from '../tunnel-stream.js';
import { chunkMessage } from './frame-chunker.js';
import type { HeldOpen, OutgoingSessionMessage, SessionCall, TunnelStreamStats } from './session-call.js';

/** Sends not yet written; beyond this a caller is not awaiting `send` and would grow memory without bound. */
const MAX_QUEUED_SENDS = 1024;
/**
 * Frames written but not yet taken by HTTP/2. A grpc-js call buffers 16 messages before write()
 * returns false (4 MiB at 256 KiB frames); waiting for acknowledgements keeps a stalled session's
 * footprint near this many frames instead.
 */
const MAX_UNACKED_FRAMES = 4;

interface Waiter {
  resolve(): void;
  reject(error: AirlockError): void;
}

export interface FrameWriterOptions {
  readonly sessionId: string;
  readonly call: SessionCall;
  readonly maxChunkBytes: number;
  readonly maxMessageBytes: number;
  readonly stats: TunnelStreamStats;
  /** The session's logger, made when first needed (only trace lines log here). */
  readonly logger: () => Logger;
  readonly trace: boolean;
}

/**
 * The sending half of a session stream: one message at a time, chunked into frames, each write
 * waiting for 'drain' when the call is full and for HTTP/2 to take earlier frames, so the sender
 * goes at the pace the receiver reads.
 */
export class FrameWriter {
  readonly #o: FrameWriterOptions;
  #closed = false;
  /** Why sends fail now; built when first needed (a peer's End aborts every exchange's writer). */
  #abort: AirlockError | (() => AirlockError) | undefined;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #unacked = 0;
  /** An OpenSession held back to carry the first frame (see holdOpen). */
  #pendingOpen: HeldOpen | undefined;
  readonly #drainWaiters = new Set<Waiter>();
  readonly #ackWaiters = new Set<Waiter>();

  readonly #onDrain = (): void => FrameWriter.#wake(this.#drainWaiters);

  constructor(options: FrameWriterOptions) {
    this.#o = options;
    options.call.on('drain', this.#onDrain);
  }

  /**
   * Holds the stream's OpenSession back so that it carries the first frame written (one message
   * instead of two); `flushOpen` writes it alone when something else must go first.
   */
  holdOpen(held: HeldOpen): void {
    this.#pendingOpen = held;
  }

  /** Writes a held OpenSession now, alone; `whenIdle`: only when no send is waiting to carry it. */
  flushOpen(whenIdle = false): void {
    const held = this.#pendingOpen;
    if (held === undefined || (whenIdle && this.#queued > 0)) return;
    this.#pendingOpen = undefined;
    held.write({ open: held.open });
  }

  /** Stops listening to the call (it goes on carrying another session's frames). */
  detach(): void {
    this.#o.call.off('drain', this.#onDrain);
  }

  /** No more sends are accepted. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Nothing is being or waiting to be written. */
  get idle(): boolean {
    return this.#queued === 0 && this.#drainWaiters.size === 0 && this.#ackWaiters.size === 0;
  }

  get aborted(): boolean {
    return this.#abort !== undefined;
  }

  /**
   * Queues one message. With `endsHere`, the sender's End rides on its last frame (Frame.last):
   * no send is accepted after it, and `endsHere` runs as soon as that frame is written, without
   * waiting for HTTP/2 to take it (nothing more is written here; the call may carry the next
   * exchange at once).
   */
  send(data: string | Uint8Array, meta: FrameMeta | undefined, endsHere?: () => void): Promise<void> {
    const { sessionId, maxMessageBytes } = this.#o;
    if (this.#closed) {
      return Promise.reject(
        this.#abortError() ??
          new AirlockError(
            'tunnel_closed',
            `Session ${sessionId} has ended; nothing more can be sent on it.`,
          ),
      );
    }
    if (this.#queued >= MAX_QUEUED_SENDS) {
      return Promise.reject(
        new AirlockError(
          'internal',
          `More than ${MAX_QUEUED_SENDS} messages are waiting to be sent on session ${sessionId}; await send() before sending more.`,
        ),
      );
    }
    const buffer =
      typeof data === 'string'
        ? Buffer.from(data, 'utf8')
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buffer.length > maxMessageBytes) {
      return Promise.reject(
        new AirlockError(
          'message_too_large',
          `A ${buffer.length}-byte message exceeds the tunnel limit of ${maxMessageBytes} bytes; raise limits.maxMessageBytes if such messages are expected.`,
        ),
      );
    }
    this.#queued++;
    if (endsHere) this.#closed = true;
    // One message at a time: frames of different messages never interleave on a stream.
    const run = this.#chain
      .then(() => this.#writeFrames(buffer, meta, endsHere))
      .finally(() => {
        this.#queued--;
      });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Closes for new sends and runs `last` once every message already accepted has been written. */
  close(last: () => void): void {
    this.#closed = true;
    this.#chain = this.#chain.then(last);
  }

  /** Closes for new sends and fails what is queued or mid-write with `error` (or what it returns). */
  abort(error: AirlockError | (() => AirlockError)): void {
    this.#closed = true;
    this.#abort ??= error;
    if (this.#drainWaiters.size === 0 && this.#ackWaiters.size === 0) return;
    const failure = this.#abortError()!;
    for (const waiter of [...this.#drainWaiters, ...this.#ackWaiters]) waiter.reject(failure);
    this.#drainWaiters.clear();
    this.#ackWaiters.clear();
  }

  #abortError(): AirlockError | undefined {
    if (typeof this.#abort === 'function') this.#abort = this.#abort();
    return this.#abort;
  }

  async #writeFrames(buffer: Buffer, meta: FrameMeta | undefined, endsHere?: () => void): Promise<void> {
    const { call, stats, maxChunkBytes } = this.#o;
    for (const frame of chunkMessage(buffer, meta, maxChunkBytes, endsHere !== undefined)) {
      if (this.#abort) throw this.#abortError()!;
      this.#unacked++;
      const held = this.#pendingOpen;
      this.#pendingOpen = undefined;
      const ok =
        held === undefined
          ? call.write({ frame } satisfies OutgoingSessionMessage, () => this.#onAck())
          : held.write({ open: { ...held.open, firstFrame: frame } }, () => this.#onAck());
      stats.framesSent++;
      stats.bytesSent += frame.data.length;
      if (this.#o.trace) {
        this.#o
          .logger()
          .debug(
            { sessionId: this.#o.sessionId, bytes: frame.data.length, more: frame.more, full: !ok },
            'tunnel frame sent',
          );
      }
      if (frame.last) {
        stats.messagesSent++;
        endsHere?.();
        return;
      }
      if (!ok) await this.#wait(this.#drainWaiters);
      while (this.#unacked >= MAX_UNACKED_FRAMES) await this.#wait(this.#ackWaiters);
    }
    stats.messagesSent++;
  }

  #onAck(): void {
    this.#unacked--;
    FrameWriter.#wake(this.#ackWaiters);
  }

  #wait(waiters: Set<Waiter>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#abort) reject(this.#abortError()!);
      else waiters.add({ resolve, reject });
    });
  }

  static #wake(waiters: Set<Waiter>): void {
    for (const waiter of waiters) waiter.resolve();
    waiters.clear();
  }
}
