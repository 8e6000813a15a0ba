import type { ApprovalStatus } from '@airlock/core';

/** The status an approval reads as at `now`: a pending one past its expiry is expired. */
export function effectiveStatus(status: ApprovalStatus, expiresAt: string, now: Date): ApprovalStatus {
  return status === 'pending' && now.getTime() >= Date.parse(expiresAt) ? 'expired' : status;
}

/**
 * Whether a retry of the same digest joins this approval at `now`: still pending, or decided
 * (approved or denied) within its remember window. An expired one is never joined: asking again
 * is the retry's purpose.
 */
export function isJoinable(
  row: {
    readonly status: ApprovalStatus;
    readonly expiresAt: string;
    readonly rememberUntil: string | undefined;
  },
  now: Date,
): boolean {
  const status = effectiveStatus(row.status, row.expiresAt, now);
  if (status === 'pending') return true;
  if (status === 'expired') return false;
  return row.rememberUntil !== undefined && now.getTime() < Date.parse(row.rememberUntil);
}

/** Whether `viewer` may see the approval: they asked for the call, or one of their groups decides it. */
export function isVisibleTo(
  approval: {
    readonly requester: { readonly subject: string };
    readonly requirement: { readonly approverGroups: readonly string[] };
  },
  viewer: { readonly subject: string; readonly groups: readonly string[] },
): boolean {
  return (
    approval.requester.subject === viewer.subject ||
    approval.requirement.approverGroups.some((group) => viewer.groups.includes(group))
  );
}
