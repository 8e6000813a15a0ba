import type { ApprovalRequester } from '../approvals/approval-store.js';

/**
 * `requested` → `granted` | `denied`; `granted` → `revoked`. A granted grant past `expiresAt` is
 * over (reads as `expired`).
 */
export type AccessGrantStatus = 'requested' | 'granted' | 'denied' | 'revoked' | 'expired';

export interface AccessRequest {
  readonly id: string;
  readonly connection: string;
  readonly requester: ApprovalRequester;
  /** Tool globs; empty: the whole connection. */
  readonly tools: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
  readonly at: Date;
}

export interface AccessGrant {
  readonly id: string;
  readonly connection: string;
  readonly requester: ApprovalRequester;
  readonly tools: readonly string[];
  readonly durationSeconds: number;
  readonly reason: string;
  readonly status: AccessGrantStatus;
  readonly requestedAt: string;
  readonly decidedAt: string | undefined;
  readonly decidedBy: string | undefined;
  readonly decisionReason: string | undefined;
  /** Set when granted: decidedAt + durationSeconds. */
  readonly expiresAt: string | undefined;
  readonly revokedAt: string | undefined;
  readonly revokedBy: string | undefined;
  readonly revokeReason: string | undefined;
}

export interface AccessGrantFilter {
  readonly status?: AccessGrantStatus | undefined;
  readonly requester?: string | undefined;
  readonly connection?: string | undefined;
  readonly limit: number;
}

export interface AccessDecision {
  readonly decision: 'grant' | 'deny';
  /** The decider's subject. */
  readonly by: string;
  readonly reason?: string | undefined;
}

/**
 * Just-in-time access requests and grants in the recording store (shared by gateways) or in
 * memory. Who may decide is the gateway's check; the store makes each transition once, on the
 * locked row, and refuses the rest with access_grant_not_found or approval_decided.
 */
export interface AccessGrantStore {
  requestAccess(request: AccessRequest): Promise<AccessGrant>;
  getGrant(id: string): Promise<AccessGrant | undefined>;
  listGrants(filter: AccessGrantFilter): Promise<AccessGrant[]>;
  /** `requested` → `granted` (expiresAt = now + duration) or `denied`. */
  decideGrant(id: string, decision: AccessDecision, now: Date): Promise<AccessGrant>;
  /** `granted` (and not expired) → `revoked`. */
  revokeGrant(id: string, by: string, reason: string | undefined, now: Date): Promise<AccessGrant>;
  /** Grants in force at `now`: granted, not revoked, not expired. */
  activeGrants(now: Date): Promise<AccessGrant[]>;
}
