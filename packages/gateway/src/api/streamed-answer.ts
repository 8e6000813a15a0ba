import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Pieces smaller than this are gathered into one write (chunked encoding costs per write). */
const GATHER_BYTES = 64 * 1024;

/**
 * A response body written as it is produced (an export read a page at a time), with
 * backpressure: a slow client pauses the reader instead of the gateway buffering the session.
 * The status line goes out with the first write, so a failure while reading the first page can
 * still be answered as an ordinary JSON error.
 */
export class StreamedAnswer {
  readonly #res: ServerResponse;
  readonly #headers: OutgoingHttpHeaders;
  #pending: string[] = [];
  #pendingBytes = 0;
  #closed = false;

  constructor(res: ServerResponse, headers: OutgoingHttpHeaders) {
    this.#res = res;
    this.#headers = headers;
    res.once('close', () => {
      this.#closed = true;
    });
  }

  /** Whether the client is still there to write to (false: stop reading). */
  get open(): boolean {
    return !this.#closed && !this.#res.destroyed;
  }

  /** Queues text; resolves to false once the client has gone (stop producing). */
  async write(text: string): Promise<boolean> {
    this.#pending.push(text);
    this.#pendingBytes += text.length;
    if (this.#pendingBytes < GATHER_BYTES) return this.open;
    return this.#flush();
  }

  async end(): Promise<void> {
    if (await this.#flush()) this.#res.end();
  }

  async #flush(): Promise<boolean> {
    const res = this.#res;
    if (!this.open) return false;
    if (!res.headersSent) res.writeHead(200, this.#headers);
    if (this.#pending.length === 0) return true;
    const chunk = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    if (res.write(chunk)) return true;
    await drainedOrClosed(res);
    return this.open;
  }
}

/** 'drain', or 'close' when the client goes away first (then no 'drain' ever comes). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
