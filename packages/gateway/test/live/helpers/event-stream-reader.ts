/** One Server-Sent Event as a client sees it. */
export interface ReadEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

/**
 * Reads a text/event-stream answer event by event (a test's client: `next` waits for the next
 * event matching a predicate, `lastEventId` is what an EventSource would send on reconnect).
 */
export class EventStreamReader {
  readonly events: ReadEvent[] = [];
  lastEventId: string | undefined;
  readonly #controller: AbortController;
  readonly #waiters: (() => void)[] = [];
  #done = false;

  private constructor(controller: AbortController) {
    this.#controller = controller;
  }

  static async open(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    if (response.status !== 200 || response.body === null) {
      const body = await response.text();
      controller.abort();
      throw new StreamRefused(response.status, body);
    }
    const reader = new EventStreamReader(controller);
    void reader.#pump(response.body);
    return reader;
  }

  async #pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.#parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Aborted by close(), or the server ended the stream.
    }
    this.#done = true;
    this.#wake();
  }

  #parse(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) return;
    this.events.push({ event, id, data: JSON.parse(data.join('\n')) as unknown });
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** The first event (from `from` on) that matches, waiting up to `timeoutMs` for it. */
  async next(
    match: (event: ReadEvent) => boolean,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<ReadEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.events.slice(options.from ?? 0).find(match);
      if (found) return found;
      if (this.#done) throw new Error(`the stream ended without the event; got ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within the time; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  describe(): string {
    return JSON.stringify(this.events.map((e) => e.event));
  }

  get ended(): boolean {
    return this.#done;
  }

  close(): void {
    this.#controller.abort();
  }
}

export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`the stream was refused: ${status} ${body}`);
  }
}
