import type { SessionSummary } from '@airlock/recording';
import { useEffect, useState } from 'preact/hooks';
import { listSessions, type SessionFilters } from '../api/sessions.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { Link, navigate, useLocation } from '../router.js';
import { SessionFilterForm } from './session-filter-form.js';

const FILTER_KEYS = ['subject', 'connection', 'from', 'to', 'tool', 'status', 'text'] as const;
const LIVE_POLL_MS = 2000;

function filtersOf(search: URLSearchParams): SessionFilters {
  const filters: SessionFilters = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

/**
 * Recorded sessions, newest first, with the API's filters (kept in the URL, so a search can be
 * shared), paged by the API's cursor, and a live mode that polls the first page for new sessions.
 */
export function SessionsPage() {
  const { search } = useLocation();
  const filters = filtersOf(search);
  const cursor = search.get('cursor') ?? undefined;
  const key = search.toString();
  const [page, setPage] = useState<{ sessions: SessionSummary[]; nextCursor?: string } | undefined>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(false);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      listSessions(filters, cursor).then(
        (answer) => {
          if (stopped) return;
          setPage(answer);
          setError(undefined);
        },
        (failure: unknown) => !stopped && setError(failure),
      );
    void load();
    // Live: new sessions appear at the top as they start (only on the first page).
    const timer = live && cursor === undefined ? setInterval(load, LIVE_POLL_MS) : undefined;
    return () => {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [key, live]);

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
