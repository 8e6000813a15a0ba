import { AirlockError } from '@airlock/core';
import type { StoredEventColumns } from './event-row.js';
import type { MessageColumns } from './message-parts.js';
import { DEFAULT_EVENT_PAGE_BYTES, MAX_EVENT_PAGE_SIZE, type EventQuery } from './recording-store.js';

/** A stored event's columns plus whether another event follows it in the query's order. */
export interface EventPageRow extends StoredEventColumns, MessageColumns {
  readonly followed: boolean;
}

/** A row's stored message size: its column's, or the sum of its parts' (read only when parted). */
const MESSAGE_OCTETS = `CASE WHEN message_parts IS NULL THEN coalesce(octet_length(message), 0)
  ELSE (SELECT sum(octet_length(p.body)) FROM recording_event_parts p WHERE p.event_id = recording_events.id)
  END`;

/**
 * The SELECT behind `getEvents` and `getEventPage`: keyset paging over (source, seq, id), the
 * order of the `recording_events_page` index, so a page is an index range scan however far into
 * a session it starts (OFFSET would rescan every earlier event).
 *
 * With a limit, a window running total of stored bytes cuts the page short of its byte budget,
 * and `lead` says whether an event follows the last one returned, so the caller knows whether
 * there is a next page without reading (or decrypting) another event. `octet_length` of a TOASTed
 * value reads its stored size without fetching it, so events past the budget are never loaded.
 */
export function eventPageQuery(
  sessionId: string,
  query: EventQuery,
): { readonly sql: string; readonly params: unknown[] } {
  const params: unknown[] = [sessionId];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['session_id = $1'];
  if (query.source !== undefined) where.push(`source = ${param(query.source)}`);
  if (query.after !== undefined) {
    const { source, seq, id } = query.after;
    if (!Number.isInteger(seq) || seq < 0 || seq > 2_147_483_647) {
      throw new AirlockError(
        'invalid_params',
        `An event position's seq is a whole number from 0 to 2147483647 (got ${seq}); continue from the \`next\` of a page the store returned.`,
      );
    }
    where.push(`(source, seq, id) > (${param(source)}, ${param(seq)}::integer, ${param(id)})`);
  }
  const filter = where.join(' AND ');
  if (query.limit === undefined && query.maxBytes === undefined) {
    return {
      sql: `SELECT id, envelope, message, message_parts, false AS followed FROM recording_events WHERE ${filter}
            ORDER BY source, seq, id`,
      params,
    };
  }
  const limit = checkedLimit(query.limit ?? MAX_EVENT_PAGE_SIZE);
  const maxBytes = checkedMaxBytes(query.maxBytes ?? DEFAULT_EVENT_PAGE_BYTES);
  return {
    sql: `SELECT id, envelope, message, message_parts, followed FROM (
        SELECT source, seq, id, envelope, message, message_parts,
          row_number() OVER w AS n,
          sum(octet_length(envelope) + ${MESSAGE_OCTETS}) OVER w AS through,
          lead(true, 1, false) OVER w AS followed
        FROM recording_events
        WHERE ${filter}
        WINDOW w AS (ORDER BY source, seq, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        ORDER BY source, seq, id
        LIMIT ${param(limit)}
      ) page
      WHERE n = 1 OR through <= ${param(maxBytes)}
      ORDER BY source, seq, id`,
    params,
  };
}

/**
 * Whether events follow the last row of a page: the next row exists in the session, whether the
 * page stopped at its count limit or at its byte budget.
 */
export function pageContinues(rows: readonly EventPageRow[]): boolean {
  return rows[rows.length - 1]?.followed === true;
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_PAGE_SIZE) {
    throw new AirlockError(
      'invalid_params',
      `The event page size must be a whole number from 1 to ${MAX_EVENT_PAGE_SIZE} (got ${limit}).`,
    );
  }
  return limit;
}

function checkedMaxBytes(maxBytes: number): number {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new AirlockError(
      'invalid_params',
      `The event page byte budget must be a whole number of bytes, at least 1 (got ${maxBytes}).`,
    );
  }
  return maxBytes;
}
