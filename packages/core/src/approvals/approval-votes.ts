import { AirlockError } from '../errors/airlock-error.js';

/** Who must approve a held call: set by the guardrail rule that held it. */
export interface ApprovalRequirement {
  /** Groups whose members may decide. */
  readonly approverGroups: readonly string[];
  /** Approvals from distinct people needed (two-person rule: 2). */
  readonly required: number;
  /** Groups that must each be represented among the approvers. */
  readonly requiredGroups: readonly string[];
}

export interface ApprovalVote {
  /** The decider's subject. */
  readonly by: string;
  readonly groups: readonly string[];
  readonly decision: 'approve' | 'deny';
  readonly reason?: string | undefined;
  /** ISO time. */
  readonly at: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** What a vote is judged against: the held call's state. */
export interface ApprovalBallot {
  readonly id: string;
  readonly status: ApprovalStatus;
  /** The requester's subject: never an approver of their own call. */
  readonly requester: string;
  readonly requirement: ApprovalRequirement;
  readonly votes: readonly ApprovalVote[];
  /** ISO time the hold expires. */
  readonly expiresAt: string;
}

/** The state after a vote. */
export interface ApprovalTally {
  readonly status: ApprovalStatus;
  readonly votes: readonly ApprovalVote[];
}

function refused(code: 'approval_decided' | 'approval_forbidden', message: string, id: string): AirlockError {
  return new AirlockError(code, message, { data: { approvalId: id } });
}

/** Whether the approvals so far meet the requirement: enough distinct people, every required group. */
export function requirementMet(requirement: ApprovalRequirement, votes: readonly ApprovalVote[]): boolean {
  const approvals = votes.filter((v) => v.decision === 'approve');
  const people = new Set(approvals.map((v) => v.by));
  if (people.size < Math.max(1, requirement.required)) return false;
  return requirement.requiredGroups.every((group) => approvals.some((v) => v.groups.includes(group)));
}

/**
 * Judges one vote on a held call and returns the new state. Refused, with nothing changed: a call
 * already decided or expired, the requester deciding their own call (even as a member of an
 * approver group), someone outside the approver groups, or a second vote by the same person. One
 * denial decides; approvals decide once the requirement is met.
 */
export function castVote(ballot: ApprovalBallot, vote: ApprovalVote, now: Date): ApprovalTally {
  const { id } = ballot;
  if (ballot.status === 'pending' && now.getTime() >= Date.parse(ballot.expiresAt)) {
    throw refused(
      'approval_decided',
      `Approval ${id} expired at ${ballot.expiresAt}; the client must retry the call to ask again.`,
      id,
    );
  }
  if (ballot.status !== 'pending') {
    throw refused('approval_decided', `Approval ${id} is already ${ballot.status}; nothing was changed.`, id);
  }
  if (vote.by === ballot.requester) {
    throw refused(
      'approval_forbidden',
      `You asked for the call held as approval ${id}; someone else in ${ballot.requirement.approverGroups.join(', ')} must decide it.`,
      id,
    );
  }
  if (!vote.groups.some((g) => ballot.requirement.approverGroups.includes(g))) {
    throw refused(
      'approval_forbidden',
      `Approval ${id} is decided by members of ${ballot.requirement.approverGroups.join(', ')}; you are in none of them.`,
      id,
    );
  }
  if (ballot.votes.some((v) => v.by === vote.by)) {
    throw refused(
      'approval_decided',
      `You already decided approval ${id}; it needs ${ballot.requirement.required} different approvers.`,
      id,
    );
  }
  const votes = [...ballot.votes, vote];
  if (vote.decision === 'deny') return { status: 'denied', votes };
  return { status: requirementMet(ballot.requirement, votes) ? 'approved' : 'pending', votes };
}
