import { randomUUID } from 'node:crypto';
import {
  AirlockError,
  errorResponse,
  childLogger,
  type HoldRequest,
  type JsonRpcRequest,
  type MessageRecorder,
  type RecordedApproval,
  type RelayContext,
} from '@airlock/core';
import type { ApprovalRecord, ApprovalStore } from '@airlock/recording';
import type { Logger } from 'pino';
import type { ResponseChannel } from '../http/response-channel.js';
import { callDigest, callTarget, canonicalParams } from './call-digest.js';
import { waitingMessage } from './waiting-message.js';

/** Where new approval requests and decisions are announced (webhooks); never blocks a held call. */
export interface ApprovalNotifications {
  notify(approval: ApprovalRecord, event: 'requested' | 'decided'): void;
}

export interface ApprovalGateOptions {
  readonly store: ApprovalStore;
  readonly recorder: MessageRecorder;
  /** This gateway process: names who released a call (a restarted gateway is another process). */
  readonly gatewayId: string;
  /** How often a waiting call looks for decisions made elsewhere (another gateway, the CLI). */
  readonly pollMs: number;
  readonly notifications?: ApprovalNotifications | undefined;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface HeldCall {
  readonly context: RelayContext;
  readonly request: JsonRpcRequest;
  readonly hold: HoldRequest;
  /** The client's answer: opened as an event stream while the call waits. */
  readonly channel: ResponseChannel;
  /** Aborted when the client cancels or the session ends: stop waiting (the approval stays). */
  readonly signal: AbortSignal;
}

/**
 * `release`: send the request on now (exactly this once); report its answer with `released`.
 * `answer`: answer the client with this JSON-RPC text (a denial, an expiry, or the stored outcome of
 * the one execution). `abandoned`: the client or the session went away; nothing to send.
 */
export type HoldVerdict =
  | { readonly kind: 'release'; readonly approvalId: string }
  | { readonly kind: 'answer'; readonly json: string }
  | { readonly kind: 'abandoned' };

/** How often a client that sent a progress token hears that its call is still held. */
const PROGRESS_EVERY_MS = 15_000;
/** How long a call released by another gateway may take before its outcome is called unknown. */
const OUTCOME_WAIT_MS = 60 * 60_000;

/**
 * Holds calls that a guardrail sends for approval (action `approve`), at the gateway: nothing
 * reaches the agent until approvers decide. The approval lives in the store, bound to the digest
 * of the exact call, so a retry (same digest) waits on the same approval, an approved call is
 * released exactly once (the store's claim), and a retry after it ran gets the stored outcome.
 * Each step goes into the session's recording chain.
 */
export class ApprovalGate {
  readonly store: ApprovalStore;
  private readonly recorder: MessageRecorder;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Waiting calls to wake when a decision is made on this gateway (the API). */
  private readonly wakers = new Map<string, Set<() => void>>();
  /** Approvals this process released and has not yet seen answered. */
  private readonly running = new Set<string>();
  readonly instanceId: string;

  constructor(private readonly options: ApprovalGateOptions) {
    this.store = options.store;
    this.recorder = options.recorder;
    this.log = childLogger(options.logger, { component: 'approvals' });
    this.now = options.now ?? (() => new Date());
    this.instanceId = `${options.gatewayId}/${randomUUID().slice(0, 8)}`;
  }

  /** A decision was made on this gateway: waiting calls look at once instead of at their next poll. */
  wake(approvalId: string): void {
    for (const wake of this.wakers.get(approvalId) ?? []) wake();
  }

  /** Calls held here now, waiting for approvers (the approvals-pending gauge). */
  get waiting(): number {
    return this.holding;
  }

  private holding = 0;

  async hold(call: HeldCall): Promise<HoldVerdict> {
    this.holding++;
    try {
      return await this.holdCall(call);
    } finally {
      this.holding--;
    }
  }

  private async holdCall(call: HeldCall): Promise<HoldVerdict> {
    const { context, request, hold } = call;
    const now = this.now();
    const { approval: first, created } = await this.store.holdCall({
      id: randomUUID(),
      digest: callDigest(context.connection, context.caller.subject, request),
      sessionId: context.sessionId,
      connection: context.connection,
      requester: {
        subject: context.caller.subject,
        ...(context.caller.email === undefined ? {} : { email: context.caller.email }),
        groups: [...context.caller.groups],
      },
      method: request.method,
      target: callTarget(request),
      params: canonicalParams(request),
      rule: hold.rule,
      message: hold.message,
      requirement: {
        approverGroups: hold.approvers,
        required: hold.approval.required,
        requiredGroups: hold.approval.requiredGroups,
      },
      holdSeconds: hold.approval.holdSeconds,
      rememberSeconds: hold.approval.rememberSeconds,
      at: now,
    });
    await this.step(context, first, {
      step: created ? 'held' : 'joined',
      digest: first.digest,
      rule: first.rule,
      requestId: request.id,
    });
    if (created) {
      this.log.info(
        { approvalId: first.id, rule: first.rule, tool: first.target, sessionId: context.sessionId },
        `call held for approval by ${hold.approvers.join(', ')}`,
      );
      this.options.notifications?.notify(first, 'requested');
    }
    return this.follow(call, first);
  }

  /**
   * The answer of a call this gateway released: stored as the outcome of the one execution (a
   * retry gets it) and recorded. Never throws; a store failure is logged (the retry then hears
   * that the outcome is unknown, and the call is still not run twice).
   */
  released(context: RelayContext, approvalId: string, json: string): void {
    this.running.delete(approvalId);
    void this.step(context, { id: approvalId }, { step: 'outcome', outcome: outcomeKind(json) });
    this.store
      .storeOutcome(approvalId, json, this.now())
      .catch((error: unknown) =>
        this.log.error(
          { approvalId, reason: (error as Error).message },
          'storing the outcome of an approved call failed; a retry will be told its outcome is unknown',
        ),
      );
  }

  /** Follows one approval until it answers this call, releases it, or the call is abandoned. */
  private async follow(call: HeldCall, first: ApprovalRecord): Promise<HoldVerdict> {
    const { context, request, channel, signal } = call;
    const progressToken = (request.params?.['_meta'] as Record<string, unknown> | undefined)?.[
      'progressToken'
    ];
    let approval = first;
    let votesSeen = first.votes.length;
    let progress = 0;
    let lastProgressAt = 0;
    const sayWaiting = (force: boolean) => {
      if (
        progressToken === undefined ||
        (typeof progressToken !== 'string' && typeof progressToken !== 'number')
      )
        return;
      const at = Date.now();
      if (!force && at - lastProgressAt < PROGRESS_EVERY_MS) return;
      lastProgressAt = at;
      progress += 1;
      channel.deliver(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken, progress, message: waitingMessage(approval, this.now()) },
        }),
        false,
      );
    };
    for (;;) {
      if (signal.aborted) return { kind: 'abandoned' };
      for (const vote of approval.votes.slice(votesSeen)) {
        await this.step(context, approval, {
          step: 'vote',
          by: vote.by,
          groups: vote.groups,
          decision: vote.decision,
          ...(vote.reason === undefined ? {} : { reason: vote.reason }),
        });
      }
      const newVotes = approval.votes.length > votesSeen;
      votesSeen = approval.votes.length;
      switch (approval.status) {
        case 'pending':
          channel.openStream();
          sayWaiting(newVotes || progress === 0);
          await this.waitForChange(approval, signal, () => sayWaiting(false));
          approval = (await this.store.getApproval(approval.id)) ?? approval;
          continue;
        case 'denied':
          return this.deny(call, approval);
        case 'expired':
          return this.expire(call, approval);
        case 'approved': {
          const verdict = await this.approved(call, approval);
          if (verdict !== undefined) return verdict;
          // Released by another waiter: wait for its outcome.
          channel.openStream();
          await this.waitForChange(approval, signal, () => sayWaiting(false));
          approval = (await this.store.getApproval(approval.id)) ?? approval;
          continue;
        }
      }
    }
  }

  /** An approved call: replay its outcome, release it (once), or undefined to wait for the outcome. */
  private async approved(call: HeldCall, approval: ApprovalRecord): Promise<HoldVerdict | undefined> {
    const { context, request } = call;
    if (approval.outcome !== undefined) {
      const json = withId(approval.outcome, request.id);
      await this.step(context, approval, {
        step: 'replayed',
        requestId: request.id,
        outcome: outcomeKind(json),
      });
      return { kind: 'answer', json };
    }
    if (approval.releasedAt !== undefined) {
      const lostHere = approval.releasedBy === this.instanceId && !this.running.has(approval.id);
      const tooLong = this.now().getTime() - Date.parse(approval.releasedAt) > OUTCOME_WAIT_MS;
      if (!lostHere && !tooLong) return undefined;
      return this.answer(
        call,
        new AirlockError(
          'approval_outcome_unknown',
          `Approval ${approval.id} let this call through once, at ${approval.releasedAt}, but its outcome was not stored (the gateway that ran it stopped, or the server never answered). It is not run a second time: check the server for its effect, then make the call again to ask for a new approval.`,
          { data: { approvalId: approval.id, releasedAt: approval.releasedAt } },
        ),
      );
    }
    const approvers = approval.votes.filter((v) => v.decision === 'approve').map((v) => v.by);
    await this.step(context, approval, { step: 'approved', by: approvers.join(', ') });
    if (!(await this.store.claimRelease(approval.id, this.instanceId, this.now()))) return undefined;
    this.running.add(approval.id);
    await this.step(context, approval, { step: 'released', requestId: request.id });
    this.log.info({ approvalId: approval.id, approvedBy: approvers }, 'approved call released');
    this.options.notifications?.notify(approval, 'decided');
    return { kind: 'release', approvalId: approval.id };
  }

  private async deny(call: HeldCall, approval: ApprovalRecord): Promise<HoldVerdict> {
    const denial = approval.votes.find((v) => v.decision === 'deny');
    const by = denial?.by ?? 'an approver';
    await this.step(call.context, approval, {
      step: 'denied',
      by,
      ...(denial?.reason === undefined ? {} : { reason: denial.reason }),
    });
    this.options.notifications?.notify(approval, 'decided');
    const why = denial?.reason ? `: "${denial.reason}"` : ' (no reason given)';
    return this.answer(
      call,
      new AirlockError(
        'approval_denied',
        `${by} denied approval ${approval.id} for ${approval.target || approval.method} under guardrail "${approval.rule}"${why}. The call did not run; the session continues. Change the call, or talk to ${approval.requirement.approverGroups.join(', ')}.`,
        {
          data: {
            approvalId: approval.id,
            decidedBy: by,
            reason: denial?.reason ?? null,
            rule: approval.rule,
          },
        },
      ),
    );
  }

  private async expire(call: HeldCall, approval: ApprovalRecord): Promise<HoldVerdict> {
    await this.store.expireApproval(approval.id, this.now());
    await this.step(call.context, approval, { step: 'expired' });
    return this.answer(
      call,
      new AirlockError(
        'approval_expired',
        `No one in ${approval.requirement.approverGroups.join(', ')} decided approval ${approval.id} for ${approval.target || approval.method} before it expired at ${approval.expiresAt}. The call did not run; the session continues. Make the call again to ask for a new approval.`,
        { data: { approvalId: approval.id, decidedBy: 'expired', reason: 'expired', rule: approval.rule } },
      ),
    );
  }

  private answer(call: HeldCall, error: AirlockError): HoldVerdict {
    return { kind: 'answer', json: JSON.stringify(errorResponse(call.request.id, error.toJsonRpcError())) };
  }

  /**
   * Resolves at the next poll, a wake for this approval, its expiry, or the call's abort;
   * `tick` runs at each of them (progress notifications are due every 15 s).
   */
  private waitForChange(approval: ApprovalRecord, signal: AbortSignal, tick: () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const untilExpiry = Date.parse(approval.expiresAt) - this.now().getTime();
      const delay =
        approval.status === 'pending'
          ? Math.max(0, Math.min(this.options.pollMs, untilExpiry))
          : this.options.pollMs;
      let wakers = this.wakers.get(approval.id);
      if (wakers === undefined) this.wakers.set(approval.id, (wakers = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakers.delete(done);
        if (wakers.size === 0) this.wakers.delete(approval.id);
        tick();
        resolve();
      };
      const timer = setTimeout(done, delay);
      wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Records one step in the session's chain; a recording failure is logged (the store has the truth). */
  private async step(
    context: RelayContext,
    approval: Pick<ApprovalRecord, 'id'>,
    fields: Omit<RecordedApproval, 'id'>,
  ): Promise<void> {
    try {
      await this.recorder.recordApproval?.(context, { id: approval.id, ...fields }, Date.now());
    } catch (error) {
      this.log.warn(
        { approvalId: approval.id, step: fields.step, reason: (error as Error).message },
        'recording an approval step failed; the approval itself is kept in the store',
      );
    }
  }
}

function outcomeKind(json: string): 'result' | 'error' {
  try {
    return 'error' in (JSON.parse(json) as Record<string, unknown>) ? 'error' : 'result';
  } catch {
    return 'error';
  }
}

/** The stored outcome as the answer to this caller's request id. */
function withId(json: string, id: JsonRpcRequest['id']): string {
  const message = JSON.parse(json) as Record<string, unknown>;
  return JSON.stringify({ ...message, id });
}
