import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, type RecordingEvent, type RecordingSource } from '@airlock/core';
import {
  encodeEventCursor,
  eventPages,
  eventsByTime,
  verifySessionPages,
  type RecordingStore,
  type SessionSummary,
} from '@airlock/recording';
import type { Logger } from 'pino';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { DEFAULT_EVENT_PAGE_SIZE, parseEventQuery, sourceParam } from './event-query.js';
import { transcriptEntry, transcriptHead } from './markdown-transcript.js';
import type { SessionAccess, SessionVisibility } from './session-access.js';
import { parseSessionQuery } from './session-query.js';
import { StreamedAnswer } from './streamed-answer.js';
import type { ChangeHub } from '../live/change-hub.js';
import { resumePosition, serveLiveStream, wantsEventStream } from '../live/live-stream.js';
import { NOTHING_SOURCE, sessionListSource } from '../live/session-list-source.js';
import { sessionEventsSource } from '../live/session-events-source.js';

export interface SessionsApiOptions {
  readonly store: RecordingStore;
  readonly access: SessionAccess;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
  /**
   * Events per store page when export and verify read a session (default 500): they hold one
   * page at a time, however long the session.
   */
  readonly eventPageSize?: number | undefined;
  /** Live updates (`Accept: text/event-stream`); without it, only JSON answers. */
  readonly hub?: ChangeHub | undefined;
}

export const SESSIONS_API_PATH = '/api/v1/sessions';
const VIEWS = new Set(['events', 'export', 'verify']);

/**
 * The recorded-sessions API, behind `airlock sessions` and `airlock verify`:
 * - `GET /api/v1/sessions?subject&connection&from&to&tool&status&text&cursor&limit` → `{ sessions, nextCursor }`
 * - `GET /api/v1/sessions/<id>`                         the session's metadata
 * - `GET /api/v1/sessions/<id>/events[?source&after&limit]` `{ sessionId, events, nextCursor }`: one
 *   page by source, then seq; `after=<nextCursor>` for the next
 * - `GET /api/v1/sessions/<id>/export?format=jsonl|markdown[&source=...]`, streamed page by page
 * - `GET /api/v1/sessions/<id>/verify`                  both hash chains and gateway/agent agreement,
 *   checked page by page
 * With `Accept: text/event-stream`, the list and `/events` are live streams instead (see
 * serveLiveStream): the list's first page, then every session that starts or changes; a session's
 * events from the first, then each new one. Resume with Last-Event-ID (or `after`).
 * Auditors (`gateway.audit.groups`) see every session, anyone else only their own: the subject is
 * part of every store query, and someone else's session is `recording_not_found` like an unknown one.
 */
export function createSessionsApi(
  options: SessionsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, access, logger } = options;
  const pageSize = options.eventPageSize ?? DEFAULT_EVENT_PAGE_SIZE;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // A browser page must not read recordings (CSRF, DNS rebinding): the MCP endpoints' Origin/Host rules.
    options.originPolicy.check(req.headers.origin, req.headers.host);
    req.resume();
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      throw new AirlockError('method_not_allowed', `${url.pathname} answers GET, not ${method}.`, {
        data: { allow: 'GET' },
      });
    }
    const visibility = await access.authorize(req.headers.authorization);
    const route = routeOf(url.pathname);
    if (method === 'GET' && wantsEventStream(req) && (route.id === undefined || route.view === 'events')) {
      await streamSessions(req, res, url, route.id, visibility);
      return;
    }
    if (route.id === undefined) {
      const filter = parseSessionQuery(url.searchParams);
      if (
        visibility.kind === 'own' &&
        filter.subject !== undefined &&
        filter.subject !== visibility.subject
      ) {
        // Not an error: there simply are no sessions of that subject this caller may see.
        sendApiJson(res, 200, { sessions: [], nextCursor: undefined });
        return;
      }
      const page = await store.listSessions(
        visibility.kind === 'own' ? { ...filter, subject: visibility.subject } : filter,
      );
      sendApiJson(res, 200, page);
      return;
    }
    const session = await visibleSession(route.id, visibility);
    switch (route.view) {
      case undefined:
        sendApiJson(res, 200, session);
        return;
      case 'events': {
        const page = await store.getEventPage(session.id, parseEventQuery(url.searchParams));
        sendApiJson(res, 200, {
          sessionId: session.id,
          events: page.events,
          nextCursor: page.next === undefined ? undefined : encodeEventCursor(page.next),
        });
        return;
      }
      case 'verify': {
        const report = await verifySessionPages(eventPages(store, session.id, { pageSize }));
        sendApiJson(res, 200, { ...report, sessionId: session.id });
        return;
      }
      case 'export':
        await exportSession(
          res,
          session,
          url.searchParams.get('format') ?? 'jsonl',
          sourceParam(url.searchParams),
          method === 'HEAD',
        );
        return;
    }
  }

  async function streamSessions(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    id: string | undefined,
    visibility: SessionVisibility,
  ): Promise<void> {
    const hub = options.hub;
    if (hub === undefined) {
      throw new AirlockError(
        'recording_unavailable',
        'This gateway serves no live updates; poll the list instead.',
      );
    }
    const params = new URLSearchParams(url.searchParams);
    const resumeFrom = resumePosition(req, params);
    params.delete('after');
    const common = { hub, person: visibility.caller.subject, resumeFrom, logger };
    if (id !== undefined) {
      for (const key of params.keys()) {
        throw new AirlockError(
          'invalid_params',
          `A live session stream takes no "${key}"; give only "after" to resume.`,
        );
      }
      const session = await visibleSession(id, visibility);
      await serveLiveStream(req, res, {
        ...common,
        source: sessionEventsSource(store, session),
        snapshot: () => Promise.resolve({ event: 'session', data: session }),
      });
      return;
    }
    const filter = parseSessionQuery(params);
    if (filter.text !== undefined || filter.cursor !== undefined) {
      throw new AirlockError(
        'invalid_params',
        `A live sessions stream takes the list's filters except ${filter.text !== undefined ? '"text"' : '"cursor"'} (it starts at the newest and follows new sessions); search text with the list itself.`,
      );
    }
    const { cursor: _cursor, text: _text, limit: _limit, ...changes } = filter;
    const foreign =
      visibility.kind === 'own' && filter.subject !== undefined && filter.subject !== visibility.subject;
    const scoped = visibility.kind === 'own' ? { ...filter, subject: visibility.subject } : filter;
    await serveLiveStream(req, res, {
      ...common,
      // Someone else's sessions, asked for by a non-auditor: like the list, nothing (not an error).
      source: foreign
        ? NOTHING_SOURCE
        : sessionListSource(
            store,
            visibility.kind === 'own' ? { ...changes, subject: visibility.subject } : changes,
          ),
      snapshot: async () => ({
        event: 'snapshot',
        data: foreign ? { sessions: [] } : await store.listSessions(scoped),
      }),
    });
  }

  async function visibleSession(id: string, visibility: SessionVisibility): Promise<SessionSummary> {
    const session = await store.getSession(
      id,
      visibility.kind === 'own' ? { subject: visibility.subject } : {},
    );
    if (session === undefined) {
      throw new AirlockError(
        'recording_not_found',
        visibility.kind === 'own'
          ? `No recorded session "${id}" of yours exists; list yours with airlock sessions list (auditors in gateway.audit.groups see everyone's).`
          : `No recorded session "${id}" exists; list sessions with airlock sessions list.`,
      );
    }
    return session;
  }

  async function exportSession(
    res: ServerResponse,
    session: SessionSummary,
    format: string,
    source: RecordingSource | undefined,
    headOnly: boolean,
  ): Promise<void> {
    if (format !== 'jsonl' && format !== 'markdown') {
      throw new AirlockError('invalid_params', `"format" is jsonl or markdown (got "${format}").`);
    }
    const name = session.id.replace(/[^A-Za-z0-9._-]/g, '_');
    const answer = new StreamedAnswer(res, {
      'content-type':
        format === 'markdown' ? 'text/markdown; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.${format === 'markdown' ? 'md' : 'jsonl'}"`,
      'cache-control': 'no-store',
    });
    if (headOnly) {
      await answer.end();
      return;
    }
    if (format === 'jsonl') {
      // One event per line in the store's order (source, seq, id), a page at a time.
      for await (const page of eventPages(store, session.id, { source, pageSize })) {
        if (!(await answer.write(page.map((event) => `${JSON.stringify(event)}\n`).join('')))) return;
      }
      await answer.end();
      return;
    }
    // A transcript reads in time order: both records are paged side by side and interleaved.
    if (!(await answer.write(transcriptHead(session)))) return;
    for await (const event of transcriptEvents(session.id, source)) {
      if (!(await answer.write(transcriptEntry(event)))) return;
    }
    await answer.end();
  }

  async function* transcriptEvents(
    sessionId: string,
    source: RecordingSource | undefined,
  ): AsyncGenerator<RecordingEvent, void, undefined> {
    if (source !== undefined) {
      for await (const page of eventPages(store, sessionId, { source, pageSize })) yield* page;
      return;
    }
    yield* eventsByTime(
      eventPages(store, sessionId, { source: 'gateway', pageSize }),
      eventPages(store, sessionId, { source: 'agent', pageSize }),
    );
  }

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      sendApiError(res, new AirlockError('invalid_request', 'The request URL is not valid.'));
      return;
    }
    handle(req, res, url).catch((error: unknown) => {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal')
        logger.error({ err: error, path: url.pathname }, 'sessions API request failed');
      sendApiError(res, failure);
    });
  };
}

function routeOf(path: string): { id?: string; view?: 'events' | 'export' | 'verify' } {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === SESSIONS_API_PATH) return {};
  const parts = trimmed.startsWith(`${SESSIONS_API_PATH}/`)
    ? trimmed.slice(SESSIONS_API_PATH.length + 1).split('/')
    : [];
  const [segment, view, ...rest] = parts;
  if (
    segment !== undefined &&
    segment !== '' &&
    rest.length === 0 &&
    (view === undefined || VIEWS.has(view))
  ) {
    try {
      return {
        id: decodeURIComponent(segment),
        ...(view ? { view: view as 'events' | 'export' | 'verify' } : {}),
      };
    } catch {
      // Fall through to not found.
    }
  }
  throw new AirlockError(
    'recording_not_found',
    `Nothing is served at ${path}; recorded sessions live at ${SESSIONS_API_PATH}/<id>[/events|/export|/verify].`,
  );
}
