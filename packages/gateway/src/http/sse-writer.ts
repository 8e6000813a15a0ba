import type { ServerResponse } from 'node:http';

/**
 * Comment lines keep idle SSE streams alive through proxies and load balancers (and tell a client
 * waiting on a held call that it is still held): at least one every 15 s.
 */
export const KEEPALIVE_MS = 10_000;

/**
 * Writes Server-Sent Events to one HTTP response. `write` reports backpressure the way Node
 * streams do: false means wait for `onDrain` before writing more.
 */
export class SseWriter {
  private keepalive: NodeJS.Timeout | undefined;

  constructor(private readonly res: ServerResponse) {}

  /**
   * Sends the stream's headers. `keepalive: false` for an answer written whole right after: the
   * stream closes at once, so a timer would be made and cleared for nothing (one per answered call).
   */
  open(headers: Record<string, string> = {}, { keepalive = true }: { keepalive?: boolean } = {}): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
    if (!keepalive) return;
    this.keepalive = setInterval(() => this.res.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    this.res.once('close', () => clearInterval(this.keepalive));
  }

  /** Writes one message event; the data is JSON text (never contains a raw newline). */
  write(json: string, eventId?: string): boolean {
    const id = eventId === undefined ? '' : `id: ${eventId}\n`;
    return this.res.write(`${id}event: message\ndata: ${json}\n\n`);
  }

  /**
   * The 2025-11-25 priming event (SEP-1699): an id and empty data, so a client that loses the
   * stream before any message can still resume it; `retryMs` says when to reconnect.
   */
  prime(eventId: string, retryMs: number): void {
    this.res.write(`id: ${eventId}\nretry: ${retryMs}\ndata: \n\n`);
  }

  /** Tells the client when to reconnect, then closes the stream (SEP-1699 polling). */
  closeForPolling(retryMs: number): void {
    if (!this.closed) this.res.write(`retry: ${retryMs}\n\n`);
    this.end();
  }

  /**
   * Calls back once the client has read what it was sent, or went away: a response that closes
   * while full never emits 'drain' (Node emits it only to a live response), and a relay waiting
   * for it would stop reading its session for good.
   */
  onDrain(callback: () => void): void {
    if (this.closed) {
      callback();
      return;
    }
    const once = () => {
      this.res.off('drain', once);
      this.res.off('close', once);
      callback();
    };
    this.res.on('drain', once);
    this.res.on('close', once);
  }

  end(): void {
    clearInterval(this.keepalive);
    if (!this.res.writableEnded) this.res.end();
  }

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }
}
