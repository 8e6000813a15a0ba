import type { RecordingEvent } from '@airlock/core';

/**
 * The gateway's and the agent's records of one session interleaved by time, the order a reader
 * expects a conversation in: the earlier event first, the gateway's first on a tie. Each record
 * keeps its own order (seq), so a clock that stepped back inside one record cannot reorder it.
 * Reads each record a page at a time: at most one page of each is held.
 */
export async function* eventsByTime(
  gateway: AsyncIterable<readonly RecordingEvent[]>,
  agent: AsyncIterable<readonly RecordingEvent[]>,
): AsyncGenerator<RecordingEvent, void, undefined> {
  const gatewayHead = new PageHead(gateway);
  const agentHead = new PageHead(agent);
  try {
    for (;;) {
      const g = await gatewayHead.peek();
      const a = await agentHead.peek();
      if (g !== undefined && (a === undefined || Date.parse(g.at) <= Date.parse(a.at))) {
        gatewayHead.advance();
        yield g;
      } else if (a !== undefined) {
        agentHead.advance();
        yield a;
      } else return;
    }
  } finally {
    await Promise.all([gatewayHead.close(), agentHead.close()]);
  }
}

/** The next unread event of a paged record. */
class PageHead {
  readonly #pages: AsyncIterator<readonly RecordingEvent[]>;
  #page: readonly RecordingEvent[] = [];
  #index = 0;
  #done = false;

  constructor(pages: AsyncIterable<readonly RecordingEvent[]>) {
    this.#pages = pages[Symbol.asyncIterator]();
  }

  async peek(): Promise<RecordingEvent | undefined> {
    while (this.#index >= this.#page.length && !this.#done) {
      const next = await this.#pages.next();
      if (next.done === true) this.#done = true;
      else {
        this.#page = next.value;
        this.#index = 0;
      }
    }
    return this.#page[this.#index];
  }

  /** Moves past the event `peek` returned. */
  advance(): void {
    this.#index += 1;
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#pages.return?.();
  }
}
