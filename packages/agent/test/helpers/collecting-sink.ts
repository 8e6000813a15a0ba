import type { AirlockError, JsonRpcMessage } from '@airlock/core';
import type { UpstreamMessageMeta, UpstreamSink } from '../../src/index.js';

export interface Received {
  readonly message: JsonRpcMessage;
  readonly meta: UpstreamMessageMeta;
}

/** A sink that keeps what it receives and lets a test wait for a message or the end. */
export class CollectingSink implements UpstreamSink {
  readonly received: Received[] = [];
  endedWith: { failure: AirlockError | undefined } | undefined;
  readonly ended: Promise<AirlockError | undefined>;
  /** Calls to `message` that overlapped (must stay 0: connectors deliver one at a time). */
  overlapping = 0;
  private active = 0;
  private resolveEnded!: (failure: AirlockError | undefined) => void;
  private waiters: (() => void)[] = [];

  constructor(private readonly delayMs = 0) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  async message(message: JsonRpcMessage, meta: UpstreamMessageMeta): Promise<void> {
    if (this.active > 0) this.overlapping++;
    this.active++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.received.push({ message, meta });
    this.active--;
    for (const wake of this.waiters.splice(0)) wake();
  }

  end(failure?: AirlockError): void {
    if (this.endedWith) throw new Error('sink ended twice');
    this.endedWith = { failure };
    this.resolveEnded(failure);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves with the first received message matching `predicate` (waiting for it if needed). */
  async waitFor(predicate: (received: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (this.endedWith)
        throw new Error(
          `sink ended (${this.endedWith.failure?.message ?? 'normally'}) before the message arrived`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out; received: ${JSON.stringify(this.received).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The response to the request with `id`. */
  response(id: number | string, timeoutMs?: number): Promise<Received> {
    return this.waitFor((r) => !('method' in r.message) && r.message.id === id, timeoutMs);
  }
}
