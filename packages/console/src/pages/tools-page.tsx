import type { ToolPinView } from '@airlock/core';
import { useEffect, useState } from 'preact/hooks';
import { acceptTools, listAgents, listTools } from '../api/admin.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { navigate, useLocation } from '../router.js';

function shown(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/**
 * Tool pins (administrators): per connection, every tool seen, and the changes waiting for
 * acceptance with a readable diff of the definition (each changed field, before and after).
 */
export function ToolsPage() {
  const { search } = useLocation();
  const connection = search.get('connection') ?? '';
  const [connections, setConnections] = useState<readonly string[]>([]);
  const [tools, setTools] = useState<readonly ToolPinView[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    listAgents().then((answer) => {
      const names = new Set<string>();
      for (const a of answer.agents)
        for (const c of [...a.connections, ...a.enrolledConnections]) names.add(c);
      const sorted = [...names].sort();
      setConnections(sorted);
      if (connection === '' && sorted[0] !== undefined)
        navigate(`/console/tools?connection=${encodeURIComponent(sorted[0])}`, true);
    }, setError);
  }, []);

  useEffect(() => {
    if (connection === '') return;
    listTools(connection).then((answer) => {
      setTools(answer.tools);
      setError(undefined);
    }, setError);
  }, [connection, tick]);

  const waiting = tools?.filter((t) => t.status !== 'pinned') ?? [];
  return (
    <section aria-labelledby="tools-heading">
      <h1 id="tools-heading">Tools</h1>
      <label>
        Connection
        <select
          value={connection}
          onChange={(e) => navigate(`/console/tools?connection=${encodeURIComponent(e.currentTarget.value)}`)}
        >
          {connections.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <h2>Waiting for acceptance</h2>
      {waiting.length === 0 ? (
        <p class="notice">No changed or new tools on {connection || 'this connection'}.</p>
      ) : (
        waiting.map((t) => (
          <article key={t.tool} class="card" data-tool={t.tool} aria-label={`Tool ${t.tool} ${t.status}`}>
            <h3>
              {t.tool} <span class="tag held">{t.status}</span>{' '}
              <span class="muted">since {timeText(t.changedAt)}</span>
            </h3>
            {(t.diff ?? []).map((d) => (
              <div key={d.field} class="diff">
                <strong>{d.field}</strong>
                <div class="diff-pair">
                  <pre class="diff-old" aria-label={`${d.field} before`}>
                    {shown(d.old)}
                  </pre>
                  <pre class="diff-new" aria-label={`${d.field} now`}>
                    {shown(d.new)}
                  </pre>
                </div>
              </div>
            ))}
            <button
              type="button"
              class="primary"
              onClick={() => acceptTools(connection, [t.tool]).then(() => setTick((n) => n + 1), setError)}
            >
              Accept {t.tool}
            </button>
          </article>
        ))
      )}
      <h2>All tools</h2>
      <table data-testid="tools-table">
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">Status</th>
            <th scope="col">First seen</th>
            <th scope="col">Accepted</th>
          </tr>
        </thead>
        <tbody>
          {(tools ?? []).map((t) => (
            <tr key={t.tool} data-tool={t.tool}>
              <td>{t.tool}</td>
              <td>
                <span class={`tag ${t.status === 'pinned' ? 'ok' : 'held'}`}>{t.status}</span>
              </td>
              <td>{timeText(t.firstSeenAt)}</td>
              <td>{t.acceptedBy ? `${t.acceptedBy}, ${timeText(t.acceptedAt)}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
