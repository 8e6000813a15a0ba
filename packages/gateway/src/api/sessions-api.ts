import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { AirlockError, type RecordingSource } from '@airlock/core';
import { verifySession, type RecordingStore, type SessionSummary } from '@airlock/recording';
import type { Logger } from 'pino';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { markdownTranscript } from './markdown-transcript.js';
import type { SessionAccess, SessionVisibility } from './session-access.js';
import { parseSessionQuery } from './session-query.js';

export interface SessionsApiOptions {
  readonly store: RecordingStore;
  readonly access: SessionAccess;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
}

export const SESSIONS_API_PATH = '/api/v1/sessions';
const VIEWS = new Set(['events', 'export', 'verify']);

/**
 * The recorded-sessions API, behind `airlock sessions` and `airlock verify`:
 * - `GET /api/v1/sessions?subject&connection&from&to&tool&status&text&cursor&limit` → `{ sessions, nextCursor }`
 * - `GET /api/v1/sessions/<id>`                         the session's metadata
 * - `GET /api/v1/sessions/<id>/events[?source=...]`     `{ sessionId, events }` by source, then seq
 * - `GET /api/v1/sessions/<id>/export?format=jsonl|markdown[&source=...]`
 * - `GET /api/v1/sessions/<id>/verify`                  both hash chains and gateway/agent agreement
 * Auditors (`gateway.audit.groups`) see every session, anyone else only their own: the subject is
 * part of every store query, and someone else's session is `recording_not_found` like an unknown one.
 */
export function createSessionsApi(
  options: SessionsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, access, logger } = options;

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
    const source = sourceParam(url.searchParams);
    switch (route.view) {
      case undefined:
        sendApiJson(res, 200, session);
        return;
      case 'events':
        sendApiJson(res, 200, {
          sessionId: session.id,
          events: await store.getEvents(session.id, { source }),
        });
        return;
      case 'verify':
        sendApiJson(res, 200, { ...verifySession(await store.getEvents(session.id)), sessionId: session.id });
        return;
      case 'export':
        await exportSession(res, session, url.searchParams.get('format') ?? 'jsonl', source);
        return;
    }
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
  ): Promise<void> {
    if (format !== 'jsonl' && format !== 'markdown') {
      throw new AirlockError('invalid_params', `"format" is jsonl or markdown (got "${format}").`);
    }
    const events = await store.getEvents(session.id, { source });
    const name = session.id.replace(/[^A-Za-z0-9._-]/g, '_');
    if (format === 'markdown') {
      const text = markdownTranscript(session, events);
      res.writeHead(200, {
        'content-type': 'text/markdown; charset=utf-8',
        'content-disposition': `attachment; filename="${name}.md"`,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    // One event per line, written as it goes with backpressure (a session can be large).
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.jsonl"`,
      'cache-control': 'no-store',
    });
    for (const event of events) {
      if (res.destroyed) return;
      if (!res.write(`${JSON.stringify(event)}\n`)) await once(res, 'drain');
    }
    res.end();
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

function sourceParam(params: URLSearchParams): RecordingSource | undefined {
  const source = params.get('source');
  if (source === null || source === '' || source === 'all') return undefined;
  if (source === 'gateway' || source === 'agent') return source;
  throw new AirlockError('invalid_params', `"source" is gateway or agent (got "${source}").`);
}
