import type { AccessRequestView } from '@airlock/core';
import { useState } from 'preact/hooks';
import { decideAccess, listAccessRequests, requestAccess } from '../api/access.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { timeText } from '../parts/time-text.js';
import { usePolled } from '../parts/use-polled.js';

const POLL_MS = 3000;

/**
 * Just-in-time access: ask for a connection for a while, and (for those who may) grant, deny or
 * revoke. The gateway's access API decides who may do what; this page only offers the steps.
 */
export function AccessPage() {
  const {
    data: requests,
    error,
    reload,
  } = usePolled(() => listAccessRequests().then((answer) => answer.requests), POLL_MS);
  return (
    <section aria-labelledby="access-heading">
      <h1 id="access-heading">Access</h1>
      <RequestForm onDone={reload} />
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <h2>Requests and grants</h2>
      {requests === undefined ? (
        <p class="muted">Loading…</p>
      ) : requests.length === 0 ? (
        <p class="notice">No access requests you may see.</p>
      ) : (
        <table data-testid="access-requests">
          <thead>
            <tr>
              <th scope="col">Requester</th>
              <th scope="col">Connection (tools)</th>
              <th scope="col">For</th>
              <th scope="col">Reason</th>
              <th scope="col">Status</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((r) => (
              <AccessRow key={r.id} request={r} onDone={reload} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RequestForm(props: { onDone(): void }) {
  const [connection, setConnection] = useState('');
  const [tools, setTools] = useState('');
  const [duration, setDuration] = useState('1h');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState<AccessRequestView | undefined>();
  return (
    <form
      class="filters"
      aria-label="Ask for access"
      onSubmit={(e) => {
        e.preventDefault();
        const list = tools
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        requestAccess({ connection, duration, reason, ...(list.length > 0 ? { tools: list } : {}) }).then(
          (answer) => {
            setSent(answer);
            setError(undefined);
            props.onDone();
          },
          setError,
        );
      }}
    >
      <label>
        Connection
        <input
          name="connection"
          required
          value={connection}
          onInput={(e) => setConnection(e.currentTarget.value)}
        />
      </label>
      <label>
        Tools (globs, comma-separated; empty: all)
        <input name="tools" value={tools} onInput={(e) => setTools(e.currentTarget.value)} />
      </label>
      <label>
        Duration
        <input
          name="duration"
          required
          value={duration}
          onInput={(e) => setDuration(e.currentTarget.value)}
        />
      </label>
      <label>
        Reason
        <input name="reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary">
        Ask for access
      </button>
      {sent ? (
        <p role="status">
          Asked: request {sent.id} is {sent.status}.
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </form>
  );
}

function AccessRow(props: { request: AccessRequestView; onDone(): void }) {
  const { request: r } = props;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const step = (name: 'grant' | 'deny' | 'revoke') =>
    decideAccess(r.id, name, reason).then(() => props.onDone(), setError);
  const reasonId = `access-reason-${r.id}`;
  return (
    <tr data-request={r.id}>
      <td>{r.requester.email ?? r.requester.subject}</td>
      <td>
        {r.connection}
        {r.tools.length > 0 ? ` (${r.tools.join(', ')})` : ''}
      </td>
      <td>{Math.round(r.durationSeconds / 60)} min</td>
      <td>{r.reason}</td>
      <td>
        <span class={`tag ${r.status === 'granted' ? 'ok' : r.status === 'requested' ? 'held' : 'denied'}`}>
          {r.status}
        </span>
        {r.expiresAt ? <span class="muted"> until {timeText(r.expiresAt)}</span> : null}
      </td>
      <td>
        {r.decidedBy ? `${r.decidedBy}${r.decisionReason ? `: ${r.decisionReason}` : ''}` : ''}
        {r.status === 'requested' || r.status === 'granted' ? (
          <div class="actions">
            <label for={reasonId} class="visually-hidden">
              Reason for {r.id}
            </label>
            <input
              id={reasonId}
              placeholder="reason"
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
            {r.status === 'requested' ? (
              <>
                <button type="button" class="primary" onClick={() => void step('grant')}>
                  Grant
                </button>
                <button type="button" class="danger" onClick={() => void step('deny')}>
                  Deny
                </button>
              </>
            ) : (
              <button type="button" class="danger" onClick={() => void step('revoke')}>
                Revoke
              </button>
            )}
          </div>
        ) : null}
        {error !== undefined ? <ErrorNotice error={error} /> : null}
      </td>
    </tr>
  );
}
