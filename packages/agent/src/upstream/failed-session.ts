import type { AirlockError } from '@airlock/core';
import type { UpstreamSession, UpstreamSink } from './upstream.js';

/**
 * A session that never started: ends the sink with `failure` on the next tick (so `open` still
 * returns first) and refuses every send with the same error.
 */
export function failedSession(sink: UpstreamSink, failure: AirlockError): UpstreamSession {
  queueMicrotask(() => sink.end(failure));
  return {
    send: () => Promise.reject(failure),
    close: () => Promise.resolve(),
  };
}
