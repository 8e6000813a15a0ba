import type { RecordingEvent } from '@airlock/core';
import { getEventPage } from '../api/sessions.js';

/**
 * Where each source's last page started (the API's opaque cursor; none = the beginning), so a
 * live session re-reads only its last page, not the whole record.
 */
export interface EventCursors {
  gateway?: string;
  agent?: string;
}

/**
 * Every event of both records from `cursors` on, page by page (the API's cursor), skipping the
 * ids in `seen`. A session of 10,000 events is 20 pages per source.
 */
export async function loadEvents(
  sessionId: string,
  cursors: EventCursors,
  seen: ReadonlySet<string>,
): Promise<{ events: RecordingEvent[]; cursors: EventCursors }> {
  const events: RecordingEvent[] = [];
  const next: EventCursors = {};
  for (const source of ['gateway', 'agent'] as const) {
    let after = cursors[source];
    // Several gateway chains (a modern-era group served across a cluster) interleave by seq, so a
    // chain behind another can still add events before the last page: such a record is read again
    // from its start (`seen` skips what is shown already).
    let chained = false;
    for (;;) {
      const page = await getEventPage(sessionId, source, after);
      for (const event of page.events) {
        if (event.chain !== undefined) chained = true;
        if (!seen.has(event.id)) events.push(event);
      }
      if (page.nextCursor === undefined) break;
      after = page.nextCursor;
    }
    if (after !== undefined && !chained) next[source] = after;
  }
  return { events, cursors: next };
}

/** Both records in time order (gateway first on a tie: it saw the request first). */
export function byTime(events: readonly RecordingEvent[]): RecordingEvent[] {
  return [...events].sort(
    (a, b) =>
      a.at.localeCompare(b.at) || (a.source === b.source ? a.seq - b.seq : a.source === 'gateway' ? -1 : 1),
  );
}
