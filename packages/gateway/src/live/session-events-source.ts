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
/** Per source whose record has several chains: the last seq passed on of each chain. */
type ChainMarks = Partial<Record<RecordingSource, Record<string, number>>>;

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
      if (cursor === undefined) return { events: [], cursor: encodePositions({}, {}), more: false };
      const { positions, marks } = decodePositions(cursor);
      const events: RecordingEvent[] = [];
      let more = false;
      for (const source of SOURCES) {
        const chainMarks = marks[source];
        if (chainMarks !== undefined) {
          events.push(...(await newChainedEvents(store, session.id, source, chainMarks)));
          continue;
        }
        const after = positions[source];
        const page = await store.getEventPage(session.id, { source, after, limit: EVENTS_PER_READ });
        events.push(...page.events);
        if (page.events.some((e) => e.chain !== undefined)) {
          // Several gateways record this session: from now on it is followed chain by chain.
          marks[source] = markEvents({}, page.events);
          delete positions[source];
        } else {
          const last = page.events.at(-1);
          if (last !== undefined) positions[source] = { source, seq: last.seq, id: last.id };
        }
        if (page.next !== undefined) more = true;
      }
      const out: LiveEvent[] = [];
      if (events.length > 0) out.push({ event: 'events', data: { events } });
      const now = await store.getSession(session.id);
      if (now !== undefined && summaryKey(now) !== shown) {
        shown = summaryKey(now);
        out.push({ event: 'session', data: now });
      }
      return { events: out, cursor: encodePositions(positions, marks), more };
    },
    wakes: (change) => change.kind === 'resync' || (change.kind === 'session' && change.id === session.id),
  };
}

function summaryKey(session: SessionSummary): string {
  return `${session.status}|${session.eventCount}|${session.lastEventAt}`;
}

/**
 * The events of a record with several chains (a modern-era group that several gateways of a
 * cluster serve) not passed on yet. The store pages a record by (seq, id), which interleaves the
 * chains by seq, and a chain may start (at seq 1) or fall behind at any time, so no single
 * position marks what was read: the record is read again from its start and each chain's events
 * past its mark are passed on (a gateway delivers its chain in seq order). This costs a read of
 * the record per wake-up, only for such sessions.
 */
async function newChainedEvents(
  store: Pick<RecordingStore, 'getEventPage'>,
  sessionId: string,
  source: RecordingSource,
  marks: Record<string, number>,
): Promise<RecordingEvent[]> {
  const fresh: RecordingEvent[] = [];
  let after: EventPosition | undefined;
  do {
    const page = await store.getEventPage(sessionId, { source, after, limit: EVENTS_PER_READ });
    for (const event of page.events) if (event.seq > (marks[event.chain ?? ''] ?? 0)) fresh.push(event);
    after = page.next;
  } while (after !== undefined);
  markEvents(marks, fresh);
  return fresh;
}

function markEvents(
  marks: Record<string, number>,
  events: readonly RecordingEvent[],
): Record<string, number> {
  for (const event of events) {
    const chain = event.chain ?? '';
    marks[chain] = Math.max(marks[chain] ?? 0, event.seq);
  }
  return marks;
}

function encodePositions(positions: Positions, marks: ChainMarks): string {
  const chained = SOURCES.some((source) => marks[source] !== undefined);
  return encodeOpaqueCursorText([
    ...SOURCES.map((source) => {
      const position = positions[source];
      return position === undefined ? null : encodeEventCursor(position);
    }),
    ...(chained ? [marks] : []),
  ]);
}

function decodePositions(text: string): { positions: Positions; marks: ChainMarks } {
  const parts = decodeOpaqueCursorText(text);
  const places = parts?.slice(0, 2);
  if (
    parts !== undefined &&
    places?.length === 2 &&
    (parts.length === 2 || (parts.length === 3 && isChainMarks(parts[2]))) &&
    places.every((p) => p === null || typeof p === 'string')
  ) {
    const positions: Positions = {};
    SOURCES.forEach((source, i) => {
      const part = places[i] as string | null;
      if (part !== null) {
        const position = decodeEventCursor(part);
        if (position.source !== source) throw badPosition();
        positions[source] = position;
      }
    });
    return { positions, marks: (parts[2] as ChainMarks | undefined) ?? {} };
  }
  throw badPosition();
}

function isChainMarks(value: unknown): value is ChainMarks {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([source, marks]) =>
      (SOURCES as readonly string[]).includes(source) &&
      typeof marks === 'object' &&
      marks !== null &&
      Object.values(marks as object).every((seq) => Number.isSafeInteger(seq) && (seq as number) >= 0),
  );
}

function badPosition(): AirlockError {
  return new AirlockError(
    'invalid_params',
    'The stream position (Last-Event-ID or "after") is not one this gateway gave out for this session; reconnect without it to start from the first event.',
  );
}
