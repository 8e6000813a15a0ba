import type { ApprovalRequirement, ApprovalStatus, ApprovalVote } from '@airlock/core';
import type { ApprovalRecord, ApprovalRequester } from './approval-store.js';
import { effectiveStatus } from './approval-view.js';

/** One row of `approvals` (migration 5) as PGlite and `pg` return it: jsonb parsed, timestamps as Dates. */
export interface ApprovalRow {
  id: string;
  digest: string;
  session_id: string;
  connection: string;
  requester: ApprovalRequester;
  method: string;
  target: string;
  params: string;
  rule: string;
  message: string | null;
  requirement: ApprovalRequirement;
  status: ApprovalStatus;
  votes: ApprovalVote[];
  created_at: Date | string;
  expires_at: Date | string;
  remember_seconds: number;
  decided_at: Date | string | null;
  remember_until: Date | string | null;
  released_at: Date | string | null;
  released_by: string | null;
  outcome: string | null;
  outcome_at: Date | string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();
const isoOrUndefined = (value: Date | string | null): string | undefined =>
  value === null ? undefined : iso(value);

/** The record a row stands for at `now` (a pending row past its expiry reads as expired). */
export function approvalOfRow(row: ApprovalRow, now: Date): ApprovalRecord {
  const expiresAt = iso(row.expires_at);
  return {
    id: row.id,
    digest: row.digest,
    sessionId: row.session_id,
    connection: row.connection,
    requester: row.requester,
    method: row.method,
    target: row.target,
    params: row.params,
    rule: row.rule,
    message: row.message ?? undefined,
    requirement: row.requirement,
    status: effectiveStatus(row.status, expiresAt, now),
    votes: row.votes,
    createdAt: iso(row.created_at),
    expiresAt,
    decidedAt: isoOrUndefined(row.decided_at),
    rememberUntil: isoOrUndefined(row.remember_until),
    releasedAt: isoOrUndefined(row.released_at),
    releasedBy: row.released_by ?? undefined,
    outcome: row.outcome ?? undefined,
    outcomeAt: isoOrUndefined(row.outcome_at),
  };
}
