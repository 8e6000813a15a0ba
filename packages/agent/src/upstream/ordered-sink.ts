import { AirlockError, type JsonRpcMessage } from '@airlock/core';
import type { UpstreamMessageMeta, UpstreamSink } from './upstream.js';

/**
 * Serializes deliveries from several concurrent upstream streams (one SSE response per POST plus
 * the GET stream) into one sink, which takes one message at a time. Each producer awaits its own
 * delivery, so a slow client stops every stream from reading further, without a growing queue.
 */
export class OrderedSink {
  private tail: Promise<void> = Promise.resolve();
  private ended = false;
  private failed: AirlockError | undefined;

  constructor(private readonly sink: UpstreamSink) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Rejects when the sink refused the message or was ended; the producer should then stop reading. */
  deliver(message: JsonRpcMessage, meta: UpstreamMessageMeta): Promise<void> {
    return this.inTurn(() => this.sink.message(message, meta));
  }

  /** Tells the client side, in order with the messages, that the upstream polled a request's stream. */
  streamPolled(relatedRequest: string, retryMs: number | undefined): Promise<void> {
    return this.inTurn(async () => this.sink.streamPolled?.(relatedRequest, retryMs));
  }

  /** Runs `call` on the sink after everything queued before it; the first failure fails the rest. */
  private inTurn(call: () => Promise<void>): Promise<void> {
    if (this.ended)
      return Promise.reject(this.failed ?? new AirlockError('upstream_closed', 'The session is over.'));
    const next = this.tail.then(() => {
      if (this.failed) throw this.failed;
      return call();
    });
    this.tail = next.catch((error: unknown) => {
      this.failed ??= AirlockError.from(error, 'upstream_closed');
    });
    return next;
  }

  /** Ends the sink after every delivery already queued. Only the first call counts. */
  end(failure?: AirlockError): void {
    if (this.ended) return;
    this.ended = true;
    void this.tail.then(() => this.sink.end(failure));
  }
}
