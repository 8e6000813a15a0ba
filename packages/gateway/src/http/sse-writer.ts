import type { ServerResponse } from 'node:http';

/** Comment lines keep idle SSE streams alive through proxies and load balancers. */
const KEEPALIVE_MS = 25_000;

/**
 * Writes Server-Sent Events to one HTTP response. `write` reports backpressure the way Node
 * streams do: false means wait for `onDrain` before writing more.
 */
export class SseWriter {
  private keepalive: NodeJS.Timeout | undefined;
  private nextEventId = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly eventIdPrefix?: string,
  ) {}

  open(headers: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
    this.keepalive = setInterval(() => this.res.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    this.res.once('close', () => clearInterval(this.keepalive));
  }

  /** Writes one message event; the data is JSON text (never contains a raw newline). */
  write(json: string): boolean {
    const id = this.eventIdPrefix === undefined ? '' : `id: ${this.eventIdPrefix}${this.nextEventId++}\n`;
    return this.res.write(`${id}event: message\ndata: ${json}\n\n`);
  }

  onDrain(callback: () => void): void {
    this.res.once('drain', callback);
  }

  end(): void {
    clearInterval(this.keepalive);
    if (!this.res.writableEnded) this.res.end();
  }

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }
}
