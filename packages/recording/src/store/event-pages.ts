import type { RecordingEvent, RecordingSource } from '@airlock/core';
import { MAX_EVENT_PAGE_SIZE, type EventPosition, type RecordingStore } from './recording-store.js';

export interface EventPagesOptions {
  readonly source?: RecordingSource | undefined;
  /** Events per page, 1..MAX_EVENT_PAGE_SIZE (default MAX_EVENT_PAGE_SIZE). */
  readonly pageSize?: number | undefined;
  /** Stored bytes per page (default DEFAULT_EVENT_PAGE_BYTES; the first event always fits). */
  readonly maxBytes?: number | undefined;
  /** Start after this position instead of at the beginning. */
  readonly after?: EventPosition | undefined;
}

/**
 * Every event of a session, one page at a time, in the store's order (source, seq, id): a reader
 * holds one page, never the whole session. Empty pages are not yielded.
 */
export async function* eventPages(
  store: Pick<RecordingStore, 'getEventPage'>,
  sessionId: string,
  options: EventPagesOptions = {},
): AsyncGenerator<RecordingEvent[], void, undefined> {
  let after = options.after;
  for (;;) {
    const page = await store.getEventPage(sessionId, {
      source: options.source,
      limit: options.pageSize ?? MAX_EVENT_PAGE_SIZE,
      maxBytes: options.maxBytes,
      after,
    });
    if (page.events.length > 0) yield page.events;
    if (page.next === undefined) return;
    after = page.next;
  }
}
