import type { ApprovalRequirement, ApprovalStatus, ApprovalVote } from '@airlock/core';
import type { ApprovalRecord } from '@airlock/recording';

export type ApprovalEvent = 'requested' | 'decided';

/** Where approvers go to decide: the gateway's API (when its public URL is known) and the CLI. */
export interface ApprovalLinks {
  readonly approval?: string;
  readonly session?: string;
  readonly cli: string;
  readonly cliDeny: string;
}

/** The generic (`format: json`) webhook body. */
export interface ApprovalWebhookPayload {
  readonly type: `approval.${ApprovalEvent}`;
  /** The gateway that sent it. */
  readonly gateway: string;
  readonly approval: {
    readonly id: string;
    readonly status: ApprovalStatus;
    readonly requester: {
      readonly subject: string;
      readonly email: string | null;
      readonly groups: readonly string[];
    };
    readonly requestedAt: string;
    readonly expiresAt: string;
    readonly decidedAt: string | null;
    readonly connection: string;
    readonly method: string;
    /** The tool (or prompt, or resource) the call names; empty when none. */
    readonly tool: string;
    /** The call's arguments as recorded (masked where the recording masks). */
    readonly arguments: unknown;
    readonly rule: string;
    readonly message: string | null;
    readonly sessionId: string;
    readonly requirement: ApprovalRequirement;
    readonly votes: readonly ApprovalVote[];
  };
  readonly links: ApprovalLinks;
}

/**
 * What the approvers see of the call: `arguments` for tools/call and prompts/get, otherwise the
 * params without `_meta` (protocol bookkeeping such as progress tokens, not what is asked).
 */
export function approvalArguments(approval: ApprovalRecord): unknown {
  let params: unknown;
  try {
    params = JSON.parse(approval.params);
  } catch {
    return approval.params;
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return params;
  const record = params as Record<string, unknown>;
  if ('arguments' in record) return record['arguments'] ?? {};
  const { _meta: _ignored, ...rest } = record;
  return rest;
}

export function approvalLinks(approval: ApprovalRecord, publicUrl: string | undefined): ApprovalLinks {
  const cli = {
    cli: `airlock approvals approve ${approval.id}`,
    cliDeny: `airlock approvals deny ${approval.id}`,
  };
  if (publicUrl === undefined) return cli;
  const base = publicUrl.replace(/\/+$/, '');
  return {
    approval: `${base}/api/v1/approvals/${encodeURIComponent(approval.id)}`,
    session: `${base}/api/v1/sessions/${encodeURIComponent(approval.sessionId)}`,
    ...cli,
  };
}

export function approvalWebhookPayload(
  approval: ApprovalRecord,
  event: ApprovalEvent,
  context: { readonly gatewayId: string; readonly publicUrl: string | undefined },
): ApprovalWebhookPayload {
  return {
    type: `approval.${event}`,
    gateway: context.gatewayId,
    approval: {
      id: approval.id,
      status: approval.status,
      requester: {
        subject: approval.requester.subject,
        email: approval.requester.email ?? null,
        groups: approval.requester.groups,
      },
      requestedAt: approval.createdAt,
      expiresAt: approval.expiresAt,
      decidedAt: approval.decidedAt ?? null,
      connection: approval.connection,
      method: approval.method,
      tool: approval.target,
      arguments: approvalArguments(approval),
      rule: approval.rule,
      message: approval.message ?? null,
      sessionId: approval.sessionId,
      requirement: approval.requirement,
      votes: approval.votes,
    },
    links: approvalLinks(approval, context.publicUrl),
  };
}
