import type { PinningMode } from '@airlock/core';
import { useEffect, useState } from 'preact/hooks';
import { acceptTools, listAgents, listTools } from '../api/admin.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { acceptedText, ToolChangeCard } from '../parts/tool-change-card.js';
import { usePolled } from '../parts/use-polled.js';
import { navigate, useLocation } from '../router.js';

const POLL_MS = 3000;

/** What the connection's pinning mode does with a changed or new tool until it is accepted. */
const MODE_EFFECT: Readonly<Record<PinningMode, string>> = {
  warn: 'clients still see and call changed and new tools; the change is recorded.',
  hide: 'changed and new tools are left out of clients’ tool lists, and calls to them are refused, until accepted.',
  block: 'every tool call on this connection is refused while a change waits for acceptance.',
  off: 'tool definitions are not checked.',
};

/**
 * Tool pins (administrators): per connection, every tool seen, and the changes waiting for
 * acceptance with a readable diff of the definition (each changed field, before and after). The
 * list refreshes by itself, so a change a client has just listed, or an accept made elsewhere
 * (`airlock tools accept`, another administrator), shows without reloading the page.
 */
export function ToolsPage() {
  const { search } = useLocation();
  const connection = search.get('connection') ?? '';
  const [connections, setConnections] = useState<readonly string[]>([]);
  const [error, setError] = useState<unknown>();

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
      {/* Keyed: another connection starts its own polling, never showing the last one's tools. */}
      {connection === '' ? null : <ConnectionTools key={connection} connection={connection} />}
    </section>
  );
}

function ConnectionTools({ connection }: { connection: string }) {
  const { data, error, reload, fail } = usePolled(() => listTools(connection), POLL_MS);
  const [accepted, setAccepted] = useState<string | undefined>();
  const tools = data?.tools;
  const waiting = tools?.filter((t) => t.status !== 'pinned') ?? [];

  const accept = (tool: string) => {
    acceptTools(connection, [tool]).then(() => {
      setAccepted(tool);
      reload();
    }, fail);
  };

  return (
    <>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {accepted === undefined ? null : (
        <p class="notice" role="status">
          Accepted {accepted} on {connection}: clients now get its current definition.
        </p>
      )}
      {data === undefined ? null : (
        <p data-testid="pinning-mode">
          Pinning mode <strong>{data.mode}</strong>: {MODE_EFFECT[data.mode]}
        </p>
      )}
      <h2>Waiting for acceptance</h2>
      {tools === undefined ? (
        <p class="muted">Loading…</p>
      ) : waiting.length === 0 ? (
        <p class="notice">No changed or new tools on {connection}.</p>
      ) : (
        waiting.map((t) => <ToolChangeCard key={t.tool} pin={t} onAccept={() => accept(t.tool)} />)
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
              <td>{acceptedText(t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
