import type { AirlockError, MaskingFinding } from '@airlock/core';

/** What travels with one message on a session stream, besides its JSON text. */
export interface FrameMeta {
  /** idKey of the client request this server message belongs to (server → client only). */
  readonly relatedRequest?: string | undefined;
  /** Upstream HTTP status when it was not 200 (first server message of an exchange only). */
  readonly httpStatus?: number | undefined;
  /** What the agent masked in this message (server → client only): types, paths, counts. */
  readonly masking?: readonly MaskingFinding[] | undefined;
  /** The upstream sent this message on an event stream answering the related request. */
  readonly eventStream?: boolean | undefined;
  /**
   * A signal with no message (empty data): the upstream closed the related request's event stream
   * before answering, for its client to resume later (SEP-1699 polling); `retryMs` is its hint.
   */
  readonly streamPolled?: boolean | undefined;
  readonly retryMs?: number | undefined;
  /** W3C trace context of the sender's span for this client request (when tracing is on). */
  readonly traceparent?: string | undefined;
  /**
   * The sender's last message on this stream: nothing follows it. Where the stream allows
   * (Welcome.exchange_ends_with_answer, on the agent) the End rides on its last frame
   * (Frame.last) and `end()` writes none; elsewhere the End follows as usual at `end()`.
   */
  readonly last?: boolean | undefined;
}

/** One whole (reassembled) message received on a session stream. */
export interface TunnelMessage extends FrameMeta {
  /** UTF-8 JSON text of one JSON-RPC message. */
  readonly data: Buffer;
}

export interface TunnelStreamHandler {
  /** Called once per whole message, in order. Not called while the stream is paused. */
  onMessage(message: TunnelMessage): void;
  /** Called once when the stream ends: no failure = the peer closed it normally. */
  onEnd(failure: AirlockError | undefined): void;
}

/**
 * One gRPC Session stream (one MCP session or one modern-era exchange), the same shape on the
 * gateway and on the agent. Messages are chunked under the gRPC message limit on the way out and
 * reassembled on the way in; backpressure is HTTP/2 flow control: `send` resolves only when the
 * transport took the data, and `pause` stops reading so the peer's `send` waits in turn.
 */
export interface TunnelStream {
  readonly sessionId: string;
  /** Sends one message; resolves once written (after `drain` when the stream is full). */
  send(data: string | Uint8Array, meta?: FrameMeta): Promise<void>;
  /** Installs the single consumer. Messages that arrive earlier are held (the stream starts paused). */
  setHandler(handler: TunnelStreamHandler): void;
  pause(): void;
  resume(): void;
  /** Ends the stream, telling the peer why when there is a failure. Idempotent. */
  end(failure?: AirlockError): void;
  readonly ended: boolean;
}
