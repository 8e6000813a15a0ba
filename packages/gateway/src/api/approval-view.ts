import { approvalNeeds, type ApprovalView } from '@airlock/core';
import type { ApprovalRecord } from '@airlock/recording';

/**
 * The approvals API's answer for one held call. `sessions` is where the sessions API is served
 * (the public URL's, else the path), so an approver can open the recording of the session that
 * asked. The outcome's body (the tool's answer) is never part of it: only its kind and time.
 */
export function approvalView(record: ApprovalRecord, sessions: string): ApprovalView {
  const pending = record.status === 'pending';
  return {
    id: record.id,
    status: record.status,
    requester: {
      subject: record.requester.subject,
      ...(record.requester.email === undefined ? {} : { email: record.requester.email }),
      groups: record.requester.groups,
    },
    requestedAt: record.createdAt,
    expiresAt: record.expiresAt,
    connection: record.connection,
    method: record.method,
    tool: record.target,
    arguments: heldArguments(record.method, record.params),
    rule: record.rule,
    ...(record.message === undefined ? {} : { message: record.message }),
    sessionId: record.sessionId,
    session: `${sessions}/${encodeURIComponent(record.sessionId)}`,
    requirement: record.requirement,
    needs: pending ? approvalNeeds(record.requirement, record.votes) : { approvals: 0, groups: [] },
    votes: record.votes.map((v) => ({
      by: v.by,
      groups: v.groups,
      decision: v.decision,
      ...(v.reason === undefined ? {} : { reason: v.reason }),
      at: v.at,
    })),
    ...(record.decidedAt === undefined ? {} : { decidedAt: record.decidedAt }),
    ...(record.releasedAt === undefined ? {} : { releasedAt: record.releasedAt }),
    ...(record.outcome === undefined || record.outcomeAt === undefined
      ? {}
      : { outcome: { kind: outcomeKind(record.outcome), at: record.outcomeAt } }),
  };
}

/** What the approver approves: a tools/call's `arguments`, else the request's whole params. */
function heldArguments(method: string, params: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(params);
  } catch {
    // Stored by the gateway as canonical JSON, so this is not expected; show the text as it is.
    return params;
  }
  if (method === 'tools/call' && typeof parsed === 'object' && parsed !== null && 'arguments' in parsed)
    return (parsed as { arguments: unknown }).arguments;
  return parsed;
}

function outcomeKind(outcome: string): 'result' | 'error' {
  try {
    const parsed = JSON.parse(outcome) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed ? 'error' : 'result';
  } catch {
    return 'error';
  }
}
