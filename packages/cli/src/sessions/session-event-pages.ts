import type { RecordingEvent, RecordingSource } from '@airlock/core';
import { AirlockError } from '@airlock/core/client';
import { callAdminApi, type AdminTarget } from '../admin/admin-client.js';
import { sessionPath } from './session-api-path.js';

export interface SessionEventPagesOptions {
  /** One record only; both (by source, then seq) when absent. */
  readonly source?: RecordingSource | undefined;
  /** Events per request (the gateway's default when absent: 500; at most 1000). */
  readonly pageSize?: number | undefined;
}

interface EventsAnswer {
  readonly events: RecordingEvent[];
  readonly nextCursor?: string | null | undefined;
}

/**
 * A session's events from `GET /api/v1/sessions/<id>/events`, one page per request, following
 * `nextCursor` until the last page: the CLI holds one page, never the whole session.
 */
export async function* sessionEventPages(
  target: AdminTarget,
  sessionId: string,
  options: SessionEventPagesOptions = {},
): AsyncGenerator<RecordingEvent[], void, undefined> {
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams();
    if (options.source !== undefined) query.set('source', options.source);
    if (options.pageSize !== undefined) query.set('limit', String(options.pageSize));
    if (after !== undefined) query.set('after', after);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const page = await callAdminApi<EventsAnswer | undefined>(
      target,
      'GET',
      `${sessionPath(sessionId, 'events')}${suffix}`,
    );
    if (page === undefined || !Array.isArray(page.events)) {
      throw new AirlockError(
        'internal',
        `The gateway at ${target.gatewayUrl} answered the events of session ${sessionId} without an events list; is it an Airlock gateway?`,
      );
    }
    if (page.events.length > 0) yield page.events;
    const next = page.nextCursor ?? undefined;
    if (next === undefined) return;
    if (next === after) {
      // A gateway that ignored `after` would send the same page forever.
      throw new AirlockError(
        'internal',
        `The gateway at ${target.gatewayUrl} sent the same events page twice for session ${sessionId}; upgrade the gateway or report this.`,
      );
    }
    after = next;
  }
}
