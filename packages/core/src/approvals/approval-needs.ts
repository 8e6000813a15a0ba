import type { ApprovalRequirement, ApprovalVote } from './approval-votes.js';

/** What a pending approval still waits for: more distinct approvers, and required groups not yet represented. */
export interface ApprovalNeeds {
  readonly approvals: number;
  readonly groups: readonly string[];
}

/** The complement of requirementMet: zero approvals and no groups once the requirement is met. */
export function approvalNeeds(
  requirement: ApprovalRequirement,
  votes: readonly ApprovalVote[],
): ApprovalNeeds {
  const approvals = votes.filter((v) => v.decision === 'approve');
  const people = new Set(approvals.map((v) => v.by)).size;
  return {
    approvals: Math.max(0, Math.max(1, requirement.required) - people),
    groups: requirement.requiredGroups.filter((group) => !approvals.some((v) => v.groups.includes(group))),
  };
}
