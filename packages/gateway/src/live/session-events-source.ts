import { AirlockError, type RecordingEvent, type RecordingSource } from '@airlock/core';
import {
  decodeEventCursor,
  encodeEventCursor,
  type EventPosition,
  type RecordingStore,
  type SessionSummary,
} from '@airlock/recording';
import { decodeOpaqueCursorText, encodeOpaqueCursorText } from './opaque-position.js';
import type { LiveEvent, LiveSource } from './live-stream.js';

/** Events per source per read: a long session arrives in pages, like the events API's. */
const EVENTS_PER_READ = 200;
const SOURCES: readonly RecordingSource[] = ['gateway', 'agent'];

type Positions = Partial<Record<RecordingSource, EventPosition>>;

/**
 * One recorded session, live: every event from the beginning (or the resume position) as
 * `events` events of `{ events: RecordingEvent[] }`, both records, each in its own order, and
 * `session` with the summary whenever it changes (the status shows when it has ended). Woken by
 * the session row's changes, which every stored batch of its events makes.
 */
export function sessionEventsSource(
  store: Pick<RecordingStore, 'getEventPage' | 'getSession'>,
  session: SessionSummary,
): LiveSource {
  let shown = summaryKey(session);
  return {
    async read(cursor) {
      if (cursor === undefined) return { events: [], cursor: encodePositions({}), more: false };
      const positions = decodePositions(cursor);
      const events: RecordingEvent[] = [];
      let more = false;
      for (const source of SOURCES) {
        const after = positions[source];
        const page = await store.getEventPage(session.id, { source, after, limit: EVENTS_PER_READ });
        events.push(...page.events);
        const last = page.events.at(-1);
        if (last !== undefined) positions[source] = { source, seq: last.seq, id: last.id };
        if (page.next !== undefined) more = true;
      }
      const out: LiveEvent[] = [];
      if (events.length > 0) out.push({ event: 'events', data: { events } });
      const now = await store.getSession(session.id);
      if (now !== undefined && summaryKey(now) !== shown) {
        shown = summaryKey(now);
        out.push({ event: 'session', data: now });
      }
      return { events: out, cursor: encodePositions(positions), more };
    },
    wakes: (change) => change.kind === 'resync' || (change.kind === 'session' && change.id === session.id),
  };
}

function summaryKey(session: SessionSummary): string {
  return `${session.status}|${session.eventCount}|${session.lastEventAt}`;
}

function encodePositions(positions: Positions): string {
  return encodeOpaqueCursorText(
    SOURCES.map((source) => {
      const position = positions[source];
      return position === undefined ? null : encodeEventCursor(position);
    }),
  );
}

function decodePositions(text: string): Positions {
  const parts = decodeOpaqueCursorText(text);
  if (parts?.length === 2 && parts.every((p) => p === null || typeof p === 'string')) {
    const positions: Positions = {};
    SOURCES.forEach((source, i) => {
      const part = parts[i] as string | null;
      if (part !== null) {
        const position = decodeEventCursor(part);
        if (position.source !== source) throw badPosition();
        positions[source] = position;
      }
    });
    return positions;
  }
  throw badPosition();
}

function badPosition(): AirlockError {
  return new AirlockError(
    'invalid_params',
    'The stream position (Last-Event-ID or "after") is not one this gateway gave out for this session; reconnect without it to start from the first event.',
  );
}
