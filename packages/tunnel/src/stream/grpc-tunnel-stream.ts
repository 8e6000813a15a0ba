import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import type { Frame__Output } from '../generated/airlock/tunnel/v1/Frame.js';
import { failureFromWire, failureToWire } from '../proto/wire-mapping.js';
import { isTraceEnabled } from '../trace.js';
import type { FrameMeta, TunnelMessage, TunnelStream, TunnelStreamHandler } from '../tunnel-stream.js';
import { FrameWriter } from './frame-writer.js';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageAssembler } from './message-assembler.js';
import {
  limitReadAhead,
  type HeldOpen,
  type IncomingSessionMessage,
  type OutgoingSessionMessage,
  type SessionCall,
  type TunnelStreamStats,
} from './session-call.js';

export type { IncomingSessionMessage, SessionCall, TunnelStreamStats } from './session-call.js';

export interface GrpcTunnelStreamOptions {
  readonly sessionId: string;
  /** The gRPC duplex (client or server side); it must not have been read from since the Attach. */
  readonly call: SessionCall;
  /** Hard abort, when this side can (the client's call.cancel()). */
  readonly cancel?: (() => void) | undefined;
  readonly maxChunkBytes: number;
  readonly maxMessageBytes?: number | undefined;
  /** The error a consumer sees when the transport goes away; worded for this side of the tunnel. */
  readonly transportClosed: (detail: string) => AirlockError;
  readonly logger: Logger;
  /**
   * Bound to `logger` in a child, made on the stream's first log line only: a modern-era exchange
   * runs on a stream of its own, and a pino child per stream cost about 13 µs of each exchange.
   */
  readonly logBindings?: Record<string, unknown> | undefined;
  /**
   * AIRLOCK_TRACE has `tunnel`, as the long-lived owner read it when created; read here when not
   * given (reading process.env costs a few microseconds, once per modern-era exchange).
   */
  readonly trace?: boolean | undefined;
  /** Called once, as soon as the stream's outcome is known (before the consumer may hear of it). */
  readonly onFinish?: ((failure: AirlockError | undefined) => void) | undefined;
  /**
   * When set, a clean end (this side's End sent and the peer's received, neither with a failure)
   * hands the call, paused and with none of this stream's listeners left, to `recycle` instead of
   * closing it: the next exchange runs on it (Welcome.reuse_standby_streams). Both sides must agree.
   */
  readonly recycle?: ((call: SessionCall) => void) | undefined;
  /**
   * With `recycle`, where the Welcome said exchange_ends_with_answer: the agent's clean End
   * completes the exchange both ways. 'agent' (this side is the agent): the call is handed on as
   * soon as this side's End is written, alone or riding on the last frame of a send with
   * `last`. 'gateway': the agent's End hands it on as soon as it is read, with no End in answer.
   */
  readonly endsWithAnswer?: 'agent' | 'gateway' | undefined;
  /**
   * Gateway, on a standby stream: the OpenSession to write, held back so that it carries the first
   * frame sent (OpenSession.first_frame, for agents that announce "open-with-request"). Written
   * alone when the stream ends, or when its consumer is installed and no send follows at once.
   */
  readonly pendingOpen?: HeldOpen | undefined;
  /** Agent: the first frame, when it came inside the OpenSession; read before anything on the call. */
  readonly firstFrame?: Frame__Output | undefined;
}

/** After ending a call, how long the peer gets to complete it before a client-side cancel. */
const FORCE_CLOSE_AFTER_MS = 5000;

/**
 * A TunnelStream over one gRPC Session call. Outgoing messages are chunked into Frames and written
 * one frame at a time, waiting for 'drain' whenever the call is full, so HTTP/2 flow control paces
 * the sender. Incoming reading is switched off (call.pause()) whenever the consumer cannot take a
 * message, so the peer's window fills and its own `send` waits in turn.
 *
 * `onEnd` fires exactly once: after the peer's End (in order, after the messages before it); at once
 * on a transport loss (tunnel_closed); or at once on a local `end()`, with the failure passed to it,
 * so a consumer cleans up in one place whoever ended the session. Nothing is delivered after it.
 */
export class GrpcTunnelStream implements TunnelStream {
  readonly sessionId: string;
  readonly stats: TunnelStreamStats = {
    framesSent: 0,
    framesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };

  readonly #call: SessionCall;
  readonly #cancel: (() => void) | undefined;
  readonly #assembler: MessageAssembler;
  readonly #writer: FrameWriter;
  readonly #transportClosed: (detail: string) => AirlockError;
  readonly #parentLogger: Logger;
  readonly #logBindings: Record<string, unknown> | undefined;
  #childLogger: Logger | undefined;
  readonly #trace: boolean;
  readonly #onFinish: ((failure: AirlockError | undefined) => void) | undefined;

  #handler: TunnelStreamHandler | undefined;
  #userPaused = false;
  /** Whole messages read but not yet delivered; reading stops while it is non-empty, so it stays tiny. */
  #held: TunnelMessage[] = [];

  /** Set once: how the stream ended; `inOrder` = reported after the messages before it (a peer End). */
  #outcome: { failure: AirlockError | undefined; inOrder: boolean } | undefined;
  #notified = false;
  #callEnded = false;
  #transportDone = false;
  #forceCloseTimer: NodeJS.Timeout | undefined;
  readonly #recycle: ((call: SessionCall) => void) | undefined;
  readonly #endsWithAnswer: 'agent' | 'gateway' | undefined;
  /**
   * Recycling: this side's End is written (or needs none: the agent's End completed the
   * exchange), and the peer's End arrived without a failure.
   */
  #endSent = false;
  #cleanEndReceived = false;
  readonly #listeners: [event: string, listener: Parameters<SessionCall['on']>[1]][];

  constructor(options: GrpcTunnelStreamOptions) {
    this.sessionId = options.sessionId;
    this.#call = options.call;
    this.#cancel = options.cancel;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#assembler = new MessageAssembler(maxMessageBytes);
    this.#transportClosed = options.transportClosed;
    this.#parentLogger = options.logger;
    this.#logBindings = options.logBindings;
    this.#trace = options.trace ?? isTraceEnabled('tunnel');
    this.#onFinish = options.onFinish;
    this.#recycle = options.recycle;
    this.#endsWithAnswer = options.recycle ? options.endsWithAnswer : undefined;
    this.#writer = new FrameWriter({
      sessionId: this.sessionId,
      call: options.call,
      maxChunkBytes: options.maxChunkBytes,
      maxMessageBytes,
      stats: this.stats,
      logger: () => this.#logger,
      trace: this.#trace,
    });

    const call = this.#call;
    limitReadAhead(call);
    // Starts paused: nothing is read until a consumer is installed.
    call.pause();
    this.#listeners = [
      ['data', (message: IncomingSessionMessage) => this.#onData(message)],
      ['end', () => this.#onTransportGone('the peer closed the stream without ending the session')],
      ['error', (error: Error) => this.#onTransportGone(error.message)],
      // Server side: the agent cancelled the call or its connection dropped.
      ['cancelled', () => this.#onTransportGone('the call was cancelled')],
      ['close', () => this.#onTransportGone('the stream closed')],
    ];
    for (const [event, listener] of this.#listeners) call.on(event, listener);
    if (options.pendingOpen) this.#writer.holdOpen(options.pendingOpen);
    if (options.firstFrame) this.#onData({ kind: 'frame', frame: options.firstFrame });
  }

  get #logger(): Logger {
    this.#childLogger ??= this.#logBindings
      ? this.#parentLogger.child(this.#logBindings)
      : this.#parentLogger;
    return this.#childLogger;
  }

  get ended(): boolean {
    return this.#writer.closed;
  }

  send(data: string | Uint8Array, meta?: FrameMeta): Promise<void> {
    if (meta?.last && this.#endsWithAnswer === 'agent') {
      return this.#writer.send(data, meta, () => {
        // The End rode on the frame just written: the exchange is over both ways.
        this.#endSent = true;
        this.#handOver();
      });
    }
    return this.#writer.send(data, meta);
  }

  setHandler(handler: TunnelStreamHandler): void {
    if (this.#handler)
      throw new Error(`Session ${this.sessionId} already has a consumer; a stream has exactly one.`);
    this.#handler = handler;
    this.#flush();
    // A consumer that sends at once (an exchange sends its request right after) lets the held
    // OpenSession carry the request's first frame; otherwise it goes alone.
    queueMicrotask(() => this.#writer.flushOpen(true));
  }

  pause(): void {
    this.#userPaused = true;
    this.#updateReading();
  }

  resume(): void {
    this.#userPaused = false;
    this.#flush();
  }

  end(failure?: AirlockError): void {
    // (After a send with `last` the writer is closed already, and the outcome still to settle.)
    if (this.#outcome) return;
    if (failure) {
      // An abort: stop what is being sent (the peer drops a half-received message on End).
      this.#writer.abort(
        new AirlockError(
          'tunnel_closed',
          `Session ${this.sessionId} was ended (${failure.code}): ${failure.message}`,
        ),
      );
      this.#write({ end: { failure: failureToWire(failure) } });
      this.#closeCall();
    } else {
      // A normal close: the messages already passed to send() go first.
      this.#writer.close(() => {
        if (!this.#writer.aborted) this.#writeEnd();
        if (this.#recycle) this.#recycleOrWait();
        else this.#closeCall();
      });
    }
    this.#settle(failure, false);
  }

  #write(message: OutgoingSessionMessage): void {
    if (this.#callEnded || this.#transportDone) return;
    this.#writer.flushOpen();
    this.#call.write(message);
  }

  #writeEnd(): void {
    if (this.#endSent) return;
    this.#endSent = true;
    this.#write({ end: {} });
  }

  /**
   * Recycling, after a clean End either way: hands the call on. Until the peer's End arrives, a
   * timer bounds the wait, after which the call is closed as without recycling.
   */
  #recycleOrWait(): void {
    if (this.#callEnded || this.#transportDone || !this.#endSent) return;
    if (!this.#cleanEndReceived && this.#endsWithAnswer !== 'agent') {
      this.#forceCloseTimer ??= setTimeout(() => this.#closeCall(), FORCE_CLOSE_AFTER_MS);
      this.#forceCloseTimer.unref();
      return;
    }
    if (!this.#writer.idle) {
      // A frame still waits for HTTP/2 (a send aborted by the peer's End): not a call to reuse.
      // The peer may have pooled it already (Welcome.standby_rejoin_on_end): where this side can,
      // it cancels the call, which the peer notices at once even on a paused call, rather than
      // half-closing it, which the peer would only read with its next exchange.
      if (this.#cancel) {
        this.#callEnded = true;
        clearTimeout(this.#forceCloseTimer);
        this.#forceCloseTimer = undefined;
        this.#cancel();
      } else this.#closeCall();
      return;
    }
    this.#handOver();
  }

  /** Hands the call, paused and with none of this stream's listeners, to `recycle`. */
  #handOver(): void {
    if (this.#callEnded || this.#transportDone) return;
    this.#transportDone = true;
    clearTimeout(this.#forceCloseTimer);
    this.#forceCloseTimer = undefined;
    for (const [event, listener] of this.#listeners) this.#call.off(event, listener);
    this.#writer.detach();
    this.#call.pause();
    this.#recycle?.(this.#call);
  }

  /** Half-closes our side (the server side also sends the OK status), then lets the call drain. */
  #closeCall(): void {
    if (this.#callEnded || this.#transportDone) return;
    this.#callEnded = true;
    clearTimeout(this.#forceCloseTimer);
    this.#forceCloseTimer = undefined;
    this.#call.end();
    if (this.#cancel && !this.#forceCloseTimer) {
      const cancel = this.#cancel;
      this.#forceCloseTimer = setTimeout(() => {
        if (!this.#transportDone) cancel();
      }, FORCE_CLOSE_AFTER_MS);
      this.#forceCloseTimer.unref();
    }
  }

  #onData(message: IncomingSessionMessage): void {
    // After the outcome is known the call is drained and whatever still arrives is dropped; when
    // recycling, the peer's End that answers ours is what lets the call carry the next exchange.
    if (this.#outcome) {
      if (message.kind === 'end') this.#onLateEnd(!message.end?.failure);
      else if (message.frame?.last) this.#onLateEnd(true);
      return;
    }
    switch (message.kind) {
      case 'frame': {
        const frame = message.frame;
        if (!frame) return;
        this.stats.framesReceived++;
        this.stats.bytesReceived += frame.data.length;
        if (this.#trace) {
          this.#logger.debug(
            { sessionId: this.sessionId, bytes: frame.data.length, more: frame.more },
            'tunnel frame received',
          );
        }
        let whole: TunnelMessage | undefined;
        try {
          whole = this.#assembler.push(frame);
        } catch (error) {
          this.end(AirlockError.from(error));
          return;
        }
        if (whole) {
          this.stats.messagesReceived++;
          this.#deliver(whole);
        }
        // The peer's End rode on this frame (Frame.last): after the message, as a separate End
        // would be (the consumer may have ended its side meanwhile, on that very message).
        if (frame.last) {
          if (this.#outcome) this.#onLateEnd(true);
          else this.#onPeerEnd(undefined);
        }
        return;
      }
      case 'end':
        this.#onPeerEnd(message.end?.failure ? failureFromWire(message.end.failure) : undefined);
        return;
      default:
        this.end(
          new AirlockError(
            'internal',
            `Unexpected "${String(message.kind)}" message on session ${this.sessionId}: tunnel protocol error; check that gateway and agent versions match.`,
          ),
        );
    }
  }

  /** The peer's End, in order after its messages: alone, or riding on its last frame. */
  #onPeerEnd(failure: AirlockError | undefined): void {
    if (this.#trace) {
      this.#logger.debug({ sessionId: this.sessionId, failure: failure?.code }, 'tunnel end received');
    }
    this.#writer.abort(
      () =>
        new AirlockError(
          'tunnel_closed',
          `The peer ended session ${this.sessionId}; nothing more can be sent on it.`,
        ),
    );
    if (this.#recycle && !failure && !this.#callEnded) {
      // The exchange is over both ways once this side's End follows (where the agent's End
      // completes it, none follows from the gateway): the call may carry the next.
      this.#cleanEndReceived = true;
      if (this.#endsWithAnswer === 'gateway') this.#endSent = true;
      else this.#writeEnd();
      this.#settle(failure, true);
      this.#recycleOrWait();
      return;
    }
    this.#closeCall();
    this.#settle(failure, true);
  }

  /**
   * The peer's End after this side's outcome was known: it answers this side's End, or crossed
   * it. When recycling, a clean one lets the call carry the next exchange.
   */
  #onLateEnd(clean: boolean): void {
    if (!this.#recycle) return;
    if (!clean) {
      this.#closeCall();
      return;
    }
    this.#cleanEndReceived = true;
    // The agent's End completes the exchange: the End this side was about to write is not needed.
    if (this.#endsWithAnswer === 'gateway') this.#endSent = true;
    this.#recycleOrWait();
  }

  #onTransportGone(detail: string): void {
    if (this.#transportDone) return;
    this.#transportDone = true;
    if (this.#forceCloseTimer) clearTimeout(this.#forceCloseTimer);
    // A normal completion: the outcome is known and nothing is left to write.
    if (this.#outcome && !this.#writer.aborted && this.#writer.idle) return;
    const error = this.#transportClosed(detail);
    this.#writer.abort(error);
    this.#settle(error, false);
  }

  #deliver(message: TunnelMessage): void {
    if (this.#handler && !this.#userPaused && this.#held.length === 0) {
      this.#dispatch(this.#handler, message);
    } else {
      this.#held.push(message);
      this.#updateReading();
    }
  }

  #dispatch(handler: TunnelStreamHandler, message: TunnelMessage): void {
    try {
      handler.onMessage(message);
    } catch (error) {
      this.#logger.error(
        { err: error, sessionId: this.sessionId },
        'tunnel stream consumer threw; ending the session',
      );
      this.end(AirlockError.from(error));
    }
  }

  #flush(): void {
    while (this.#handler && !this.#userPaused && this.#held.length > 0) {
      const message = this.#held.shift() as TunnelMessage;
      this.#dispatch(this.#handler, message);
    }
    this.#maybeNotify();
    this.#updateReading();
  }

  #settle(failure: AirlockError | undefined, inOrder: boolean): void {
    if (this.#outcome) return;
    this.#outcome = { failure, inOrder };
    // Abnormal ends are reported at once, even to a paused consumer; what it had not read is lost.
    if (!inOrder) this.#held = [];
    try {
      this.#onFinish?.(failure);
    } catch (error) {
      this.#logger.error({ err: error, sessionId: this.sessionId }, 'tunnel stream finish hook threw');
    }
    this.#updateReading();
    this.#maybeNotify();
  }

  #maybeNotify(): void {
    const outcome = this.#outcome;
    const handler = this.#handler;
    if (!outcome || !handler || this.#notified) return;
    if (outcome.inOrder && (this.#held.length > 0 || this.#userPaused)) return;
    this.#notified = true;
    try {
      handler.onEnd(outcome.failure);
    } catch (error) {
      this.#logger.error({ err: error, sessionId: this.sessionId }, 'tunnel stream consumer threw in onEnd');
    }
  }

  #updateReading(): void {
    if (this.#transportDone) return;
    if (this.#outcome) {
      // Keep reading (and dropping) so the call can complete and release its HTTP/2 stream.
      this.#call.resume();
    } else if (this.#handler && !this.#userPaused && this.#held.length === 0) {
      this.#call.resume();
    } else {
      this.#call.pause();
    }
  }
}
