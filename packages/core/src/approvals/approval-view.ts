import type { ApprovalNeeds } from './approval-needs.js';
import type { ApprovalRequirement, ApprovalStatus } from './approval-votes.js';

/**
 * A held call as the approvals API answers it (`/api/v1/approvals`), what `airlock approvals`
 * and the console show an approver. Identity only, never a token; the outcome's kind and time,
 * never its body.
 */
export interface ApprovalView {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly requester: {
    readonly subject: string;
    readonly email?: string;
    readonly groups: readonly string[];
  };
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly connection: string;
  /** The JSON-RPC method held (tools/call, or a prompt or resource read a rule holds). */
  readonly method: string;
  /** The tool (or prompt, resource) the call names; empty when none. */
  readonly tool: string;
  /** The exact arguments approved: `params.arguments` of a tools/call, else the whole params. */
  readonly arguments: unknown;
  readonly rule: string;
  readonly message?: string;
  readonly sessionId: string;
  /** Where the session's recording is served (the sessions API). */
  readonly session: string;
  readonly requirement: ApprovalRequirement;
  /** What a pending approval still waits for (nothing once decided). */
  readonly needs: ApprovalNeeds;
  readonly votes: readonly {
    readonly by: string;
    readonly groups: readonly string[];
    readonly decision: 'approve' | 'deny';
    readonly reason?: string;
    readonly at: string;
  }[];
  readonly decidedAt?: string;
  readonly releasedAt?: string;
  readonly outcome?: { readonly kind: 'result' | 'error'; readonly at: string };
}

/** `GET /api/v1/approvals`: newest first. */
export interface ApprovalListView {
  readonly approvals: readonly ApprovalView[];
  readonly nextCursor?: string;
}
