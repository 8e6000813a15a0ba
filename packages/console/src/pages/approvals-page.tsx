import type { ApprovalView } from '@airlock/core';
import { useEffect, useState } from 'preact/hooks';
import { decide, listApprovals } from '../api/approvals.js';
import { useEventStream } from '../parts/use-event-stream.js';
import { ErrorNotice } from '../parts/error-notice.js';
import { MaskedText } from '../parts/masked-text.js';
import { timeText } from '../parts/time-text.js';
import { Link } from '../router.js';

/** Decided calls shown below the queue. */
const DECIDED_SHOWN = 20;

function needsText(approval: ApprovalView): string {
  const { approvals, groups } = approval.needs;
  const parts = [];
  if (approvals > 0) parts.push(`${approvals} more approval${approvals === 1 ? '' : 's'}`);
  if (groups.length > 0) parts.push(`one from ${groups.join(', ')}`);
  return parts.length === 0 ? 'nothing more' : parts.join(', ');
}

/**
 * A held call only moves forward (pending, votes, decided, released), and a list read may answer
 * after a newer change came on the stream: of two copies, the further-along one is kept.
 */
function progress(a: ApprovalView): number {
  return (
    (a.status === 'pending' ? 0 : 1000) + a.votes.length * 10 + (a.releasedAt ? 1 : 0) + (a.outcome ? 1 : 0)
  );
}

function mergeApprovals(
  old: ReadonlyMap<string, ApprovalView> | undefined,
  fresh: readonly ApprovalView[],
): Map<string, ApprovalView> {
  const next = new Map(old);
  for (const a of fresh) {
    const had = next.get(a.id);
    if (had === undefined || progress(a) >= progress(had)) next.set(a.id, a);
  }
  return next;
}

/**
 * Held calls: the pending queue with everything an approver needs to decide (who, what, the exact
 * arguments, the rule, what is still needed), approve or deny with a reason. It updates live: the
 * approvals stream brings every held call that is created or changes (a vote, a decision, expiry).
 * Below: decided calls, with who decided and when.
 */
export function ApprovalsPage() {
  const [known, setKnown] = useState<Map<string, ApprovalView> | undefined>();
  const [error, setError] = useState<unknown>();
  const [loads, setLoads] = useState(1);
  const reload = () => setLoads((n) => n + 1);
  // The lists are read at once, again whenever the stream (re)starts afresh (its position is
  // taken before its snapshot, so nothing falls between that read and the stream), and after a
  // vote from here. Without a stream (the gateway refused it), the first read still shows them.
  useEffect(() => {
    let stopped = false;
    Promise.all([listApprovals('pending'), listApprovals('all', DECIDED_SHOWN)]).then(
      ([open, all]) => {
        if (stopped) return;
        setKnown((old) => mergeApprovals(old, [...all.approvals, ...open.approvals]));
        setError(undefined);
      },
      (failure: unknown) => !stopped && setError(failure),
    );
    return () => {
      stopped = true;
    };
  }, [loads]);
  const connected = useEventStream('/api/v1/approvals?status=all&limit=1', {
    snapshot: () => reload(),
    approvals: (data) =>
      setKnown((old) => mergeApprovals(old, (data as { approvals: ApprovalView[] }).approvals)),
  });
  const all = known === undefined ? undefined : [...known.values()];
  const pending = all
    ?.filter((a) => a.status === 'pending')
    .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  const decided = (all ?? [])
    .filter((a) => a.status !== 'pending')
    .sort((a, b) => (b.decidedAt ?? b.requestedAt).localeCompare(a.decidedAt ?? a.requestedAt))
    .slice(0, DECIDED_SHOWN);

  return (
    <section aria-labelledby="approvals-heading">
      <h1 id="approvals-heading">
        Approvals{' '}
        <span class={`tag ${connected ? 'ok' : 'held'}`} data-testid="live-state">
          {connected ? 'live' : 'connecting…'}
        </span>
      </h1>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <h2>Waiting for a decision</h2>
      {pending === undefined ? (
        <p class="muted">Loading…</p>
      ) : pending.length === 0 ? (
        <p class="notice">No held calls wait for you.</p>
      ) : (
        pending.map((a) => <PendingApproval key={a.id} approval={a} onDecided={reload} />)
      )}
      <h2>Decided</h2>
      {decided.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table data-testid="decided-approvals">
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Requester</th>
              <th scope="col">Status</th>
              <th scope="col">Decided by</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {decided.map((a) => (
              <tr key={a.id} data-approval={a.id}>
                <td>
                  {a.tool} on {a.connection}
                </td>
                <td>{a.requester.email ?? a.requester.subject}</td>
                <td>
                  <span class={`tag ${a.status === 'approved' ? 'ok' : 'denied'}`}>{a.status}</span>
                </td>
                <td>
                  {a.votes.map((v) => `${v.by} (${v.decision}${v.reason ? `: ${v.reason}` : ''})`).join('; ')}
                </td>
                <td>{timeText(a.decidedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PendingApproval(props: { approval: ApprovalView; onDecided(): void }) {
  const { approval: a } = props;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const vote = (decision: 'approve' | 'deny') => {
    setBusy(true);
    decide(a.id, decision, reason).then(
      () => props.onDecided(),
      (failure: unknown) => {
        setError(failure);
        setBusy(false);
      },
    );
  };
  const reasonId = `reason-${a.id}`;
  return (
    <article
      class="approval"
      data-approval={a.id}
      aria-label={`Held call ${a.tool} by ${a.requester.subject}`}
    >
      <h3>
        {a.method} <strong>{a.tool}</strong> on {a.connection}
      </h3>
      <dl class="facts">
        <dt>Requested by</dt>
        <dd>
          {a.requester.email ?? a.requester.subject} ({a.requester.groups.join(', ')}) at{' '}
          {timeText(a.requestedAt)}
        </dd>
        <dt>Rule</dt>
        <dd>
          {a.rule}
          {a.message ? `: ${a.message}` : ''}
        </dd>
        <dt>Expires</dt>
        <dd>{timeText(a.expiresAt)}</dd>
        <dt>Still needs</dt>
        <dd>{needsText(a)}</dd>
        <dt>Session</dt>
        <dd>
          <Link href={`/console/sessions/${encodeURIComponent(a.sessionId)}`}>{a.sessionId}</Link>
        </dd>
      </dl>
      <p>Arguments (exactly what runs if approved):</p>
      <pre>
        <MaskedText text={JSON.stringify(a.arguments, null, 2)} />
      </pre>
      {a.votes.length > 0 ? (
        <p>
          Votes: {a.votes.map((v) => `${v.by} ${v.decision}${v.reason ? ` (${v.reason})` : ''}`).join('; ')}
        </p>
      ) : null}
      <label for={reasonId}>Reason (required to deny)</label>
      <input id={reasonId} type="text" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={() => vote('approve')}>
          Approve
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy || reason.trim() === ''}
          onClick={() => vote('deny')}
        >
          Deny
        </button>
      </div>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </article>
  );
}
