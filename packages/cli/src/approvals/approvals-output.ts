import type { ApprovalView } from '@airlock/core';
import { approvalNeedsText } from './approval-needs-text.js';
import { printable } from './printable.js';

function who(requester: ApprovalView['requester']): string {
  return printable(
    `${requester.subject}${requester.email ? ` <${requester.email}>` : ''}${requester.groups.length > 0 ? ` (groups: ${requester.groups.join(', ')})` : ''}`,
  );
}

/** The status with what happens next: what a pending one still needs, when a decided one was decided. */
function statusLine(view: ApprovalView, now: Date): string {
  switch (view.status) {
    case 'pending': {
      const minutes = Math.max(0, Math.round((Date.parse(view.expiresAt) - now.getTime()) / 60_000));
      return `pending: ${approvalNeedsText(view)} (expires ${view.expiresAt}, in about ${minutes} min)`;
    }
    case 'expired':
      return `expired at ${view.expiresAt}: nobody decided in time; the client must retry the call to ask again`;
    default:
      return `${view.status}${view.decidedAt ? ` at ${view.decidedAt}` : ''}${view.releasedAt ? `; the call ran at ${view.releasedAt}` : ''}${view.outcome ? ` (${view.outcome.kind})` : ''}`;
  }
}

function requirementLine(view: ApprovalView): string {
  const { approverGroups, required, requiredGroups } = view.requirement;
  const people = Math.max(1, required);
  return printable(
    `${people} ${people === 1 ? 'person' : 'different people'} from ${approverGroups.join(' or ')}${requiredGroups.length > 0 ? `, including one from each of ${requiredGroups.join(', ')}` : ''}; never the requester`,
  );
}

/** `airlock approvals show` (and each approval `watch` prints): everything an approver decides on. */
export function approvalText(view: ApprovalView, now: Date = new Date()): string {
  const lines = [
    `Approval    ${printable(view.id)}`,
    `Status      ${statusLine(view, now)}`,
    `Requested   ${view.requestedAt} by ${who(view.requester)}`,
    `Connection  ${printable(view.connection)}`,
    `Call        ${printable(`${view.method}${view.tool ? ` ${view.tool}` : ''}`)}`,
    `Rule        ${printable(`${view.rule}${view.message ? `: ${view.message}` : ''}`)}`,
    `Session     ${printable(view.sessionId)}  (${printable(view.session)})`,
    `Approvers   ${requirementLine(view)}`,
    `Votes       ${view.votes.length === 0 ? 'none yet' : ''}`.trimEnd(),
    ...view.votes.map(
      (v) =>
        `  ${printable(v.by)}${v.groups.length > 0 ? ` (${printable(v.groups.join(', '))})` : ''} ${v.decision === 'approve' ? 'approved' : 'denied'} at ${v.at}${v.reason ? `: ${printable(v.reason)}` : ''}`,
    ),
    'Arguments',
    // JSON.stringify escapes control characters itself: the arguments are shown exactly, safely.
    ...JSON.stringify(view.arguments, null, 2)
      .split('\n')
      .map((l) => `  ${l}`),
  ];
  if (view.status === 'pending') {
    lines.push(
      '',
      `Decide with: airlock approvals approve ${view.id} [--reason "..."]`,
      `         or: airlock approvals deny ${view.id} --reason "..."`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `airlock approvals list`: one line per approval, newest first. */
export function approvalsTable(approvals: readonly ApprovalView[], nextCursor: string | undefined): string {
  if (approvals.length === 0) return 'No approvals match.\n';
  const rows = [
    ['REQUESTED', 'APPROVAL', 'STATUS', 'REQUESTER', 'CONNECTION', 'CALL', 'VOTES'],
    ...approvals.map((a) =>
      [
        a.requestedAt,
        a.id,
        a.status,
        a.requester.email ?? a.requester.subject,
        a.connection,
        a.tool || a.method,
        a.status === 'pending' ? `${a.votes.length} (${approvalNeedsText(a)})` : String(a.votes.length),
      ].map(printable),
    ),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const text = rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return `${text}\n${nextCursor ? `\nMore approvals: add --cursor ${nextCursor}\n` : ''}\nDetails: airlock approvals show <approval>\n`;
}

/** What `approve` and `deny` print after the vote: the result first, then the approval. */
export function voteText(view: ApprovalView): string {
  const head =
    view.status === 'pending'
      ? `Your approval counted; approval ${view.id} ${approvalNeedsText(view)}.`
      : view.status === 'approved'
        ? `Approval ${view.id} is approved: the held call runs once.`
        : `Approval ${view.id} is denied: the requester is told your reason.`;
  return `${printable(head)}\n\n${approvalText(view)}`;
}
