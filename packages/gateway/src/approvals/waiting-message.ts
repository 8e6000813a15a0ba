import { formatDuration } from '@airlock/core';
import type { ApprovalRecord } from '@airlock/recording';

/**
 * What a client waiting on a held call is told (progress notifications) and what logs say: who
 * must decide, how far it got, how long it may still wait.
 */
export function waitingMessage(approval: ApprovalRecord, now: Date): string {
  const { requirement } = approval;
  const approvals = approval.votes.filter((v) => v.decision === 'approve').length;
  const left = Math.max(0, Math.round((Date.parse(approval.expiresAt) - now.getTime()) / 1000));
  const progress = requirement.required > 1 ? `; ${approvals} of ${requirement.required} approvals` : '';
  const groups =
    requirement.requiredGroups.length > 0
      ? `; needs one of each: ${requirement.requiredGroups.join(', ')}`
      : '';
  return `waiting for approval by ${requirement.approverGroups.join(', ')} (approval ${approval.id}${progress}${groups}; expires in ${formatDuration(left)})`;
}
