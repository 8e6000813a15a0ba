import type { EnrollAgentResponse } from '@airlock/core';
import { useState } from 'preact/hooks';
import { createAgent, listAgents, revokeAgent } from '../api/admin.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { usePolled } from '../parts/use-polled.js';

const POLL_MS = 3000;

/**
 * Agents (administrators): connected or not, version, connections, last seen; enroll one (its
 * token is shown once, here, and never again) or revoke one (cut off at once).
 */
export function AgentsPage() {
  const {
    data: agents,
    error,
    reload,
    fail,
  } = usePolled(() => listAgents().then((answer) => answer.agents), POLL_MS);
  const [created, setCreated] = useState<EnrollAgentResponse | undefined>();
  return (
    <section aria-labelledby="agents-heading">
      <h1 id="agents-heading">Agents</h1>
      <EnrollForm
        onCreated={(answer) => {
          setCreated(answer);
          reload();
        }}
      />
      {created ? (
        <div class="notice" role="status" data-testid="new-agent-token">
          <p>
            Agent <strong>{created.name}</strong> is enrolled. Its token is shown this once; put it in the
            agent's configuration now:
          </p>
          <pre>{created.token}</pre>
          <button type="button" onClick={() => setCreated(undefined)}>
            I have copied it
          </button>
        </div>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {agents === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <table data-testid="agents-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Connected</th>
              <th scope="col">Version</th>
              <th scope="col">Connections</th>
              <th scope="col">Last seen</th>
              <th scope="col">Enrolled</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.name} data-agent={a.name}>
                <td>{a.name}</td>
                <td>
                  {a.revokedAt ? (
                    <span class="tag denied">revoked</span>
                  ) : a.connected ? (
                    <span class="tag ok">connected</span>
                  ) : (
                    <span class="tag held">not connected</span>
                  )}
                </td>
                <td>{a.version ?? ''}</td>
                <td>{(a.connections.length > 0 ? a.connections : a.enrolledConnections).join(', ')}</td>
                <td>{timeText(a.lastSeenAt)}</td>
                <td>
                  {a.source}
                  {a.createdBy ? ` by ${a.createdBy}` : ''}
                </td>
                <td>
                  {a.revokedAt || a.source !== 'enrollment' ? null : (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Revoke agent ${a.name}`}
                      onClick={() => {
                        if (!confirm(`Revoke agent ${a.name}? It is cut off at once.`)) return;
                        revokeAgent(a.name).then(reload, fail);
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EnrollForm(props: { onCreated(answer: EnrollAgentResponse): void }) {
  const [name, setName] = useState('');
  const [connections, setConnections] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <form
      class="filters"
      aria-label="Enroll an agent"
      onSubmit={(e) => {
        e.preventDefault();
        const list = connections
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '');
        createAgent(name, list).then((answer) => {
          setError(undefined);
          setName('');
          setConnections('');
          props.onCreated(answer);
        }, setError);
      }}
    >
      <label>
        Agent name
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Connections (comma-separated)
        <input required value={connections} onInput={(e) => setConnections(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">
        Enroll agent
      </button>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </form>
  );
}
