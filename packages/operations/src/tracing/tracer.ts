/** One span, as the relay sees it: its context to pass on, an error mark, an end. */
export interface RelaySpan {
  /** This span's W3C `traceparent`, for the next hop (the tunnel, an HTTP upstream). */
  readonly traceparent: string;
  /** Marks the span failed, with what happened (never a token or a message body). */
  fail(message: string): void;
  end(): void;
}

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

/**
 * Tracing as the relay uses it. The gateway and agent hold `undefined` when tracing is off, and
 * then never call it: no span object, no context lookup on the hot path.
 */
export interface RelayTracer {
  /** A server span under `parent` (a `traceparent`), or a new trace when there is none. */
  startSpan(name: string, parent: string | undefined, attributes: SpanAttributes): RelaySpan;
  /** Sends what is buffered to the collector. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}
