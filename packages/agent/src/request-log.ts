import { idKey, type JsonRpcMessage } from '@airlock/core';
import type { Logger } from 'pino';

/**
 * One info line per request/response pair (method, id, duration, outcome) — never a body, which
 * may hold secrets the masker has not seen yet (requests) or that it has just removed.
 */
export class RequestLog {
  private readonly pending = new Map<string, { method: string; started: number }>();

  constructor(private readonly logger: Logger) {}

  /** A request is on its way. */
  started(message: JsonRpcMessage): void {
    if ('method' in message && 'id' in message) {
      this.pending.set(idKey(message.id), { method: message.method, started: performance.now() });
    }
  }

  /** A response went the other way; logs the pair when it closes one. */
  answered(message: JsonRpcMessage): void {
    if ('method' in message || message.id === null) return;
    const key = idKey(message.id);
    const request = this.pending.get(key);
    if (!request) return;
    this.pending.delete(key);
    const durationMs = Math.round((performance.now() - request.started) * 10) / 10;
    if ('error' in message) {
      this.logger.info(
        { method: request.method, id: key, durationMs, outcome: 'error', errorCode: message.error.code },
        'request',
      );
    } else {
      this.logger.info({ method: request.method, id: key, durationMs, outcome: 'result' }, 'request');
    }
  }

  /** Requests still unanswered when the session ends. */
  get unanswered(): number {
    return this.pending.size;
  }
}
