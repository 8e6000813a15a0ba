import type { ApprovalView } from '@airlock/core';

const approvers = (n: number): string => `${n} more approver${n === 1 ? '' : 's'}`;

/**
 * What a pending approval still waits for, as a person reads it: "needs 1 more approver from
 * sre-leads", "needs 2 more approvers from sre or dba, including one from security".
 */
export function approvalNeedsText(view: Pick<ApprovalView, 'needs' | 'requirement'>): string {
  const { approvals, groups } = view.needs;
  const from = view.requirement.approverGroups.join(' or ');
  if (groups.length === 0) return `needs ${approvers(approvals)} from ${from}`;
  if (approvals <= groups.length) {
    return groups.length === 1
      ? `needs 1 more approver from ${groups[0]}`
      : `needs one approver from each of ${groups.join(', ')}`;
  }
  return `needs ${approvers(approvals)} from ${from}, including one from ${groups.length === 1 ? groups[0] : `each of ${groups.join(', ')}`}`;
}
