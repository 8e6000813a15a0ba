import { fixedFieldsLogger, idKey, type JsonRpcMessage } from '@airlock/core';
import type { Logger } from 'pino';
import type { AgentCall, AgentCalls } from './agent-calls.js';

interface PendingRequest {
  readonly method: string;
  readonly started: number;
  /** Set for client requests when the agent counts calls (metrics, spans, draining). */
  readonly call: AgentCall | undefined;
}

/**
 * One info line per request/response pair (method, id, duration, outcome) — never a body, which
 * may hold secrets the masker has not seen yet (requests) or that it has just removed.
 */
export class RequestLog {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly logger: Logger;

  /** `calls`, for the client's requests: each is counted (metrics, spans, a stop's drain). */
  constructor(
    logger: Logger,
    private readonly calls?: { readonly tracker: AgentCalls; readonly connection: string },
  ) {
    this.logger = logger.isLevelEnabled('info') ? fixedFieldsLogger(logger) : logger;
  }

  /** A request is on its way; `traceparent` is the gateway's span for it, when it traces. */
  started(message: JsonRpcMessage, traceparent?: string): string | undefined {
    if ('method' in message && 'id' in message) {
      const call = this.calls?.tracker.started(this.calls.connection, message.method, traceparent);
      this.pending.set(idKey(message.id), { method: message.method, started: performance.now(), call });
      return call?.span?.traceparent;
    }
    return undefined;
  }

  /** A response went the other way; logs the pair when it closes one. */
  answered(message: JsonRpcMessage): void {
    if ('method' in message || message.id === null) return;
    const key = idKey(message.id);
    const request = this.pending.get(key);
    if (!request) return;
    this.pending.delete(key);
    const durationMs = Math.round((performance.now() - request.started) * 10) / 10;
    if (request.call) this.calls?.tracker.finished(request.call, 'error' in message ? 'error' : 'ok');
    if ('error' in message) {
      this.logger.info(
        { method: request.method, id: key, durationMs, outcome: 'error', errorCode: message.error.code },
        'request',
      );
    } else {
      this.logger.info({ method: request.method, id: key, durationMs, outcome: 'result' }, 'request');
    }
  }

  /** The session is over: requests still waiting end unanswered (counted as errors). */
  abandon(): void {
    for (const request of this.pending.values())
      if (request.call) this.calls?.tracker.finished(request.call, 'error');
    this.pending.clear();
  }

  /** Requests still unanswered when the session ends. */
  get unanswered(): number {
    return this.pending.size;
  }
}
