import type { AccessRequestView } from '@airlock/core';
import { formatDuration } from '@airlock/core/client';

/** `in 59m`, `2m ago` */
export function relativeTo(at: string, now: number): string {
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  return seconds >= 0 ? `in ${formatDuration(seconds)}` : `${formatDuration(-seconds)} ago`;
}

function statusLine(r: AccessRequestView, now: number): string {
  switch (r.status) {
    case 'requested':
      return 'waiting for an approver';
    case 'granted':
      return `granted by ${r.decidedBy ?? '?'}, expires ${relativeTo(r.expiresAt ?? r.requestedAt, now)} (${r.expiresAt})`;
    case 'expired':
      return `granted by ${r.decidedBy ?? '?'}, expired ${relativeTo(r.expiresAt ?? r.requestedAt, now)}`;
    case 'denied':
      return `denied by ${r.decidedBy ?? '?'}${r.decisionReason ? `: ${r.decisionReason}` : ''}`;
    case 'revoked':
      return `revoked by ${r.revokedBy ?? '?'}${r.revokeReason ? `: ${r.revokeReason}` : ''}`;
    default:
      return r.status;
  }
}

/** One request, several lines: who, what, how long, why, where it stands. */
export function accessRequestText(r: AccessRequestView, now = Date.now()): string {
  return [
    `${r.id}  ${r.status}`,
    `  who:        ${r.requester.email ?? r.requester.subject}`,
    `  connection: ${r.connection}`,
    `  tools:      ${r.tools.length === 0 ? 'all (the whole connection)' : r.tools.join(', ')}`,
    `  duration:   ${formatDuration(r.durationSeconds)}`,
    `  reason:     ${r.reason}`,
    `  asked:      ${r.requestedAt} (${relativeTo(r.requestedAt, now)})`,
    `  status:     ${statusLine(r, now)}`,
  ].join('\n');
}

/** A listing: one line per request. */
export function accessListText(requests: readonly AccessRequestView[], now = Date.now()): string {
  if (requests.length === 0) return 'No access requests to show (--all includes decided and ended ones).\n';
  const lines = requests.map(
    (r) =>
      `${r.id}  ${r.status.padEnd(9)} ${(r.requester.email ?? r.requester.subject).padEnd(24)} ${r.connection.padEnd(16)} ${formatDuration(r.durationSeconds).padEnd(6)} ${r.tools.length === 0 ? 'all tools' : r.tools.join(',')}  ${statusLine(r, now)}`,
  );
  return `${lines.join('\n')}\n`;
}
