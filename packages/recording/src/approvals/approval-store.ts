import type { ApprovalRequirement, ApprovalStatus, ApprovalVote } from '@airlock/core';

/** Who asked for a held call: identity only, never a token. */
export interface ApprovalRequester {
  readonly subject: string;
  readonly email?: string | undefined;
  readonly groups: readonly string[];
}

/** What the gateway asks the store to hold: one exact call, bound to its digest and session. */
export interface HeldCallRequest {
  /** The id a new approval gets (ignored when an approval of the same digest is found). */
  readonly id: string;
  /** SHA-256 (hex) of the canonical call: connection, requester subject, method, params. */
  readonly digest: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: ApprovalRequester;
  readonly method: string;
  /** The tool (tools/call), prompt or resource the call names; empty when none. */
  readonly target: string;
  /** The request's params as canonical JSON text: exactly what approvers see and approve. */
  readonly params: string;
  readonly rule: string;
  readonly message: string | undefined;
  readonly requirement: ApprovalRequirement;
  /** How long the hold lasts from `at`. */
  readonly holdSeconds: number;
  /** After a decision, how long a retry of the same digest is answered from it. */
  readonly rememberSeconds: number;
  readonly at: Date;
}

/** A held call with its votes, decision and (once run) the stored outcome. */
export interface ApprovalRecord {
  readonly id: string;
  readonly digest: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: ApprovalRequester;
  readonly method: string;
  readonly target: string;
  readonly params: string;
  readonly rule: string;
  readonly message: string | undefined;
  readonly requirement: ApprovalRequirement;
  /** `pending` past `expiresAt` reads as `expired`. */
  readonly status: ApprovalStatus;
  readonly votes: readonly ApprovalVote[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedAt: string | undefined;
  /** Until when a retry of the same digest is answered from this approval. */
  readonly rememberUntil: string | undefined;
  /** When (and by which gateway) the approved call was released: set once, never twice. */
  readonly releasedAt: string | undefined;
  readonly releasedBy: string | undefined;
  /** The JSON-RPC response of the one execution (its `id` is the first caller's; rewrite on replay). */
  readonly outcome: string | undefined;
  readonly outcomeAt: string | undefined;
}

/** Who is looking at approvals: a subject and their groups. */
export interface ApprovalViewer {
  readonly subject: string;
  readonly groups: readonly string[];
}

export interface ApprovalFilter {
  /** `pending` means pending and not expired; `expired` includes pending ones past their expiry. */
  readonly status?: ApprovalStatus | undefined;
  readonly connection?: string | undefined;
  readonly requester?: string | undefined;
  /**
   * Only approvals this person may see: their own held calls and those their groups decide (an
   * approver group of the requirement). Filtered in the store so that pages stay full and paging
   * stays correct. Auditors pass none.
   */
  readonly viewer?: ApprovalViewer | undefined;
  /** Only approvals created after this time (for `watch`). */
  readonly createdAfter?: Date | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface ApprovalPage {
  /** Newest first. */
  readonly approvals: readonly ApprovalRecord[];
  readonly nextCursor: string | undefined;
}

export interface HoldResult {
  readonly approval: ApprovalRecord;
  /** False when a live approval of the same digest was found (a retry joins it). */
  readonly created: boolean;
}

/**
 * Held calls in the recording store (PGlite or PostgreSQL, shared by gateways) or in memory (no
 * store). Every change happens in one transaction with the approval's row locked, so two
 * gateways never both count a vote, both release a call, or both hold the same digest twice.
 */
export interface ApprovalStore {
  /**
   * Holds a call, or finds the live approval of the same digest: pending and not expired, or
   * approved or denied within its remember window (expired ones are never joined: a retry asks
   * again).
   */
  holdCall(request: HeldCallRequest): Promise<HoldResult>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  listApprovals(filter: ApprovalFilter): Promise<ApprovalPage>;
  /**
   * Judges one vote with castVote (core) on the locked row and stores the result; throws its
   * AirlockError (approval_decided, approval_forbidden) or approval_not_found, changing nothing.
   */
  voteOnApproval(id: string, vote: ApprovalVote, now: Date): Promise<ApprovalRecord>;
  /** Marks a pending approval past its expiry `expired`; returns it (as it is now either way). */
  expireApproval(id: string, now: Date): Promise<ApprovalRecord | undefined>;
  /**
   * Claims the one release of an approved call: true exactly once per approval (the first
   * caller, on any gateway); false when it is not approved or was already released.
   */
  claimRelease(id: string, by: string, now: Date): Promise<boolean>;
  /** Stores the answer of the released call (first write wins). */
  storeOutcome(id: string, outcome: string, now: Date): Promise<void>;
}
