import type { SessionSummary } from '@airlock/recording';
import { useEffect, useState } from 'preact/hooks';
import { query } from '../api/api-client.js';
import { listSessions, SESSIONS_API, type SessionFilters } from '../api/sessions.js';
import { useEventStream } from '../parts/use-event-stream.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { Link, navigate, useLocation } from '../router.js';
import { SessionFilterForm } from './session-filter-form.js';

const FILTER_KEYS = ['subject', 'connection', 'from', 'to', 'tool', 'status', 'text'] as const;

function filtersOf(search: URLSearchParams): SessionFilters {
  const filters: SessionFilters = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

type Page = { sessions: SessionSummary[]; nextCursor?: string | undefined };

/**
 * A live change merged into the first page: a known session is updated in place, a new one is
 * put in its place by start time (newest first).
 */
function merge(page: Page | undefined, changed: readonly SessionSummary[]): Page | undefined {
  if (page === undefined) return page;
  const byId = new Map(page.sessions.map((s) => [s.id, s]));
  for (const session of changed) byId.set(session.id, session);
  const sessions = [...byId.values()].sort(
    (a, b) => b.startedAt.localeCompare(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  return { ...page, sessions };
}

/**
 * Recorded sessions, newest first, with the API's filters (kept in the URL, so a search can be
 * shared), paged by the API's cursor, and a live mode: on the first page, the API's sessions
 * stream puts new sessions at the top as they start and updates the others as they change.
 */
export function SessionsPage() {
  const { search } = useLocation();
  const filters = filtersOf(search);
  const cursor = search.get('cursor') ?? undefined;
  const key = search.toString();
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);

  // Live only on the first page, and not with a text search (the stream cannot search text).
  const streaming = live && cursor === undefined && !filters.text;
  useEffect(() => {
    if (streaming) return undefined;
    let stopped = false;
    listSessions(filters, cursor).then(
      (answer) => {
        if (stopped) return;
        setPage(answer);
        setError(undefined);
      },
      (failure: unknown) => !stopped && setError(failure),
    );
    return () => {
      stopped = true;
    };
  }, [key, streaming]);
  const connected = useEventStream(
    streaming ? `${SESSIONS_API}${query({ ...filters, limit: 50 })}` : undefined,
    {
      snapshot: (data) => {
        setPage(data as Page);
        setError(undefined);
      },
      sessions: (data) => setPage((old) => merge(old, (data as { sessions: SessionSummary[] }).sessions)),
    },
  );

  const go = (next: URLSearchParams) => navigate(`/console/sessions${next.size ? `?${next}` : ''}`);
  return (
    <section aria-labelledby="sessions-heading">
      <h1 id="sessions-heading">Sessions</h1>
      <SessionFilterForm
        filters={filters}
        onApply={(next) => {
          const params = new URLSearchParams();
          for (const [k, v] of Object.entries(next)) if (v) params.set(k, v);
          go(params);
        }}
      />
      <label class="inline">
        <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live (new
        sessions appear as they start)
      </label>
      {streaming ? (
        <span class={`tag ${connected ? 'ok' : 'held'}`} data-testid="live-state" aria-live="polite">
          {connected ? 'live' : 'connecting…'}
        </span>
      ) : live && filters.text ? (
        <span class="muted"> (live updates do not search text: clear the text filter)</span>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {page === undefined ? (
        <p class="muted">Loading…</p>
      ) : page.sessions.length === 0 ? (
        <p class="notice">No sessions match.</p>
      ) : (
        <SessionTable sessions={page.sessions} />
      )}
      <div class="pager">
        {cursor !== undefined ? (
          <button type="button" onClick={() => history.back()}>
            Previous page
          </button>
        ) : null}
        {page?.nextCursor ? (
          <button
            type="button"
            onClick={() => {
              const next = new URLSearchParams(search);
              next.set('cursor', page.nextCursor as string);
              go(next);
            }}
          >
            Next page
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** Masked, denied and held counts and warnings, each a tag only when there are any. */
function SessionMarkers(props: { session: SessionSummary }) {
  const s = props.session;
  // `?? 0`: a gateway older than these counts sends none.
  const marks: [string, number, string][] = [
    ['masked', s.maskedCount ?? 0, 'masked'],
    ['denied', s.deniedCount ?? 0, 'denied'],
    ['held', s.heldCount ?? 0, 'held'],
    ['warnings', s.warningCount, 'denied'],
  ];
  return (
    <>
      {marks
        .filter(([, n]) => n > 0)
        .map(([name, n, tone]) => (
          <span key={name} class={`tag ${tone}`} data-marker={name}>
            {n} {name}
          </span>
        ))}
    </>
  );
}

function SessionTable(props: { sessions: readonly SessionSummary[] }) {
  return (
    <table data-testid="sessions-table">
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Person</th>
          <th scope="col">Client</th>
          <th scope="col">Connection</th>
          <th scope="col">Era</th>
          <th scope="col">Tools called</th>
          <th scope="col">Status</th>
          <th scope="col">Messages (gateway / agent)</th>
          <th scope="col">Markers</th>
        </tr>
      </thead>
      <tbody>
        {props.sessions.map((s) => (
          <tr key={s.id} data-session={s.id}>
            <td>
              <Link href={`/console/sessions/${encodeURIComponent(s.id)}`}>{timeText(s.startedAt)}</Link>
            </td>
            <td>{s.email ?? s.subject}</td>
            <td>{s.clientName ?? <span class="muted">–</span>}</td>
            <td>{s.connection}</td>
            <td>{s.era}</td>
            <td>{s.tools.join(', ')}</td>
            <td>
              <span class={`tag ${s.status === 'failed' ? 'denied' : s.status === 'open' ? 'held' : 'ok'}`}>
                {s.status}
              </span>
              {s.endReason ? <span class="muted"> {s.endReason}</span> : null}
            </td>
            <td>
              {s.gatewayMessageCount} / {s.agentMessageCount}
            </td>
            <td data-testid="markers">
              <SessionMarkers session={s} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
