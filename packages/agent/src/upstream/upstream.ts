import type { AirlockError, JsonRpcMessage, RecordedAwsCredentials, SessionOpenRequest } from '@airlock/core';

/** What travels with one server message toward the client. */
export interface UpstreamMessageMeta {
  /** idKey of the client request this server message belongs to, when known. */
  readonly relatedRequest?: string | undefined;
  /** Upstream HTTP status when it was not 200 (first message of an exchange, or an HTTP error body). */
  readonly httpStatus?: number | undefined;
  /** The upstream sent it on an event stream (SSE) answering the related request. */
  readonly eventStream?: boolean | undefined;
  /**
   * The exchange's answer: the connector sends nothing after it, and ends the session next. The
   * tunnel may carry its End on the same frame (Frame.last).
   */
  readonly last?: boolean | undefined;
}

/** What travels with one client message toward the upstream. */
export interface UpstreamSendMeta {
  /** The agent's span for this request (W3C trace context): HTTP upstreams get it as `traceparent`. */
  readonly traceparent?: string | undefined;
}

/**
 * The client side of an upstream, as the connector sees it (in practice: the tunnel stream).
 * Connectors call `message` one at a time and wait for it to resolve before the next call, so
 * a slow client slows the upstream down instead of filling memory.
 */
export interface UpstreamSink {
  /** Resolves when the message was accepted. Never called again before it resolves. */
  message(message: JsonRpcMessage, meta: UpstreamMessageMeta): Promise<void>;
  /**
   * The upstream closed the event stream of `relatedRequest` before answering, for its client to
   * resume later (SEP-1699 polling); the connector resumes it upstream itself. Lets the client side
   * do the same. Ordered with `message`; never called before the previous call resolved.
   */
  streamPolled?(relatedRequest: string, retryMs: number | undefined): Promise<void>;
  /**
   * The connector assumed an IAM role for the session's person (before the upstream sees the
   * credentials): recorded in the session's chain. Rejects when it cannot be recorded (strict
   * recording), and the connector then fails the session rather than hand the credentials out.
   */
  awsCredentials?(credentials: RecordedAwsCredentials): Promise<void>;
  /** The upstream finished (no failure) or failed. Called at most once, after the last `message`. */
  end(failure?: AirlockError): void;
}

/** One live conversation with an MCP server: a legacy session or one modern-era exchange. */
export interface UpstreamSession {
  /**
   * Sends one client message. Resolves when the upstream took it (written to stdin, or the POST
   * dispatched), not when it was answered: answers arrive through the sink. Rejects only when the
   * session is over. Messages sent before the upstream is ready are queued (bounded) in order.
   */
  send(message: JsonRpcMessage, meta?: UpstreamSendMeta): Promise<void>;
  /** Ends the session (stops the process, DELETEs the HTTP session, aborts open requests). Idempotent. */
  close(): Promise<void>;
}

/** Opens upstream sessions for one configured connection. */
export interface UpstreamConnector {
  readonly transport: 'stdio' | 'http';
  /** Returns at once; a failure to start is reported through `sink.end`, never thrown. */
  open(request: SessionOpenRequest, sink: UpstreamSink): UpstreamSession;
  /** Releases what the connector holds across sessions (HTTP connection pools). */
  close(): Promise<void>;
}
