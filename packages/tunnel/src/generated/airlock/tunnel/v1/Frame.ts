// Original file: proto/airlock/tunnel/v1/tunnel.proto

import type { MaskingFinding as _airlock_tunnel_v1_MaskingFinding, MaskingFinding__Output as _airlock_tunnel_v1_MaskingFinding__Output } from '../../../airlock/tunnel/v1/MaskingFinding.js';

/**
 * One JSON-RPC message, or a chunk of one. A message larger than Welcome.max_chunk_bytes is split
 * into consecutive frames with `more` set on all but the last; frames of different messages never
 * interleave on one stream.
 */
export interface Frame {
  /**
   * UTF-8 JSON text of the message (or this chunk of it).
   */
  'data'?: (Buffer | Uint8Array | string);
  'more'?: (boolean);
  /**
   * On the first frame of a server message: the idKey of the client request it belongs to,
   * when known (empty otherwise). The gateway streams it on that request's response.
   */
  'relatedRequest'?: (string);
  /**
   * On the first frame of the first server message of an exchange: the upstream's HTTP status
   * when it was not 200 (0 otherwise), so the gateway can answer with the same status.
   */
  'httpStatus'?: (number);
  /**
   * On the first frame of a server message: what the agent masked in it, so the gateway's
   * recording of the message carries the same masking metadata as the agent's.
   */
  'masking'?: (_airlock_tunnel_v1_MaskingFinding)[];
  /**
   * On the first frame of a server message: the upstream sent it on an event stream (SSE) that
   * answers the related request, so the gateway answers that request as an event stream too.
   */
  'eventStream'?: (boolean);
  /**
   * A signal, not a message (data is empty): the upstream closed the related request's event
   * stream before answering, asking its client to reconnect later (SEP-1699 polling). The gateway
   * closes the client's stream the same way, after a `retry` of retry_ms; what follows is kept
   * for the client's GET with Last-Event-ID.
   */
  'streamPolled'?: (boolean);
  /**
   * With stream_polled: the upstream's `retry` hint in milliseconds (0: none given).
   */
  'retryMs'?: (number);
  /**
   * On the first frame of a client request, when the gateway traces: the W3C trace context
   * (`traceparent`) of the gateway's span for it, so the agent's span joins the same trace.
   */
  'traceparent'?: (string);
  /**
   * On the last frame of a message: the sender's End, without a failure, rides on it (nothing
   * follows from the sender on this stream). Sent only where the Welcome said
   * exchange_ends_with_answer; read by both sides.
   */
  'last'?: (boolean);
}

/**
 * One JSON-RPC message, or a chunk of one. A message larger than Welcome.max_chunk_bytes is split
 * into consecutive frames with `more` set on all but the last; frames of different messages never
 * interleave on one stream.
 */
export interface Frame__Output {
  /**
   * UTF-8 JSON text of the message (or this chunk of it).
   */
  'data': (Buffer);
  'more': (boolean);
  /**
   * On the first frame of a server message: the idKey of the client request it belongs to,
   * when known (empty otherwise). The gateway streams it on that request's response.
   */
  'relatedRequest': (string);
  /**
   * On the first frame of the first server message of an exchange: the upstream's HTTP status
   * when it was not 200 (0 otherwise), so the gateway can answer with the same status.
   */
  'httpStatus': (number);
  /**
   * On the first frame of a server message: what the agent masked in it, so the gateway's
   * recording of the message carries the same masking metadata as the agent's.
   */
  'masking': (_airlock_tunnel_v1_MaskingFinding__Output)[];
  /**
   * On the first frame of a server message: the upstream sent it on an event stream (SSE) that
   * answers the related request, so the gateway answers that request as an event stream too.
   */
  'eventStream': (boolean);
  /**
   * A signal, not a message (data is empty): the upstream closed the related request's event
   * stream before answering, asking its client to reconnect later (SEP-1699 polling). The gateway
   * closes the client's stream the same way, after a `retry` of retry_ms; what follows is kept
   * for the client's GET with Last-Event-ID.
   */
  'streamPolled': (boolean);
  /**
   * With stream_polled: the upstream's `retry` hint in milliseconds (0: none given).
   */
  'retryMs': (number);
  /**
   * On the first frame of a client request, when the gateway traces: the W3C trace context
   * (`traceparent`) of the gateway's span for it, so the agent's span joins the same trace.
   */
  'traceparent': (string);
  /**
   * On the last frame of a message: the sender's End, without a failure, rides on it (nothing
   * follows from the sender on this stream). Sent only where the Welcome said
   * exchange_ends_with_answer; read by both sides.
   */
  'last': (boolean);
}
