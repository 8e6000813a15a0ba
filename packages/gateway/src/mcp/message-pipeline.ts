import {
  CallsInFlight,
  type CallOutcome,
  type GatewayMetrics,
  type RelaySpan,
  type RelayTracer,
} from '@airlock/operations';
import type { Logger } from 'pino';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import type {
  AirlockError,
  Caller,
  Direction,
  JsonRpcMessage,
  MessagePolicy,
  MessageRecorder,
  PolicyDecision,
  PolicyMessageInfo,
  RelayContext,
} from '@airlock/core';

/** What operators see of the relay: metrics and (when configured) traces. Both optional. */
export interface RelayObservers {
  readonly metrics?: GatewayMetrics | undefined;
  readonly tracer?: RelayTracer | undefined;
}

export interface PipelineOutcome {
  readonly decision: PolicyDecision;
  /** The JSON text to send on: the original text when policy left the message as it was. */
  readonly json: string;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * Policy then recording for one message at the gateway. Seams may answer synchronously; the
 * fast path then allocates no promise. Recording sees the message as it leaves the gateway (after
 * policy), plus the decision; a recorder that throws refuses the message (fail closed).
 */
export class MessagePipeline {
  constructor(
    private readonly policy: MessagePolicy,
    private readonly recorder: MessageRecorder,
    /** Holds calls that guardrails send for approval; without it such calls are refused. */
    readonly approvals?: ApprovalGate,
    private readonly observers: RelayObservers = {},
  ) {}

  private readonly calls = new CallsInFlight();

  /** Client requests forwarded to an agent and not yet answered. */
  get callsInFlight(): number {
    return this.calls.count;
  }

  /** Resolves once no forwarded call is waiting for its answer, or after `ms`; true when drained. */
  drained(ms: number): Promise<boolean> {
    return this.calls.drained(ms);
  }

  /** A client request was refused by policy before it reached an agent. */
  refuseCall(context: RelayContext, method: string, startedAt: number): void {
    this.observers.metrics?.calls.finished(
      context.connection,
      method,
      'denied',
      (performance.now() - startedAt) / 1000,
    );
  }

  /**
   * A client request is about to go to the agent: its span, when tracing is on (its
   * `traceparent` goes with the request over the tunnel). Without tracing: undefined, no work.
   */
  startCall(context: RelayContext, method: string): RelaySpan | undefined {
    this.calls.started();
    return this.observers.tracer?.startSpan(`mcp ${method}`, undefined, {
      'mcp.method.name': method,
      'airlock.connection': context.connection,
      'mcp.session.id': context.sessionId,
    });
  }

  /** A request started with startCall was answered (or failed) `startedAt` (performance.now()) ago. */
  finishCall(
    context: RelayContext,
    method: string,
    outcome: Exclude<CallOutcome, 'denied'>,
    startedAt: number,
    span?: RelaySpan,
  ): void {
    this.calls.ended();
    this.observers.metrics?.calls.finished(
      context.connection,
      method,
      outcome,
      (performance.now() - startedAt) / 1000,
    );
    if (span === undefined) return;
    if (outcome === 'error') span.fail('answered with an error');
    span.end();
  }

  /**
   * Records a held request again as it is released after approval (decision `approve`): the
   * gateway's record of what it forwarded, matched by the agent's. Throws (strict mode) when the
   * recording cannot take it: the call is then not forwarded.
   */
  recordRelease(context: RelayContext, message: JsonRpcMessage, approvalId: string): void | Promise<void> {
    return this.recorder.record(context, {
      source: 'gateway',
      direction: 'client_to_server',
      message,
      decision: 'pass',
      decisionDetail: { action: 'approve', reason: `released by approval ${approvalId}` },
      at: Date.now(),
    });
  }

  /** May this caller use this connection at all (before any session or exchange is opened). */
  admit(caller: Caller, connection: string): AirlockError | undefined {
    return this.policy.admit?.(caller, connection);
  }

  process(
    context: RelayContext,
    message: JsonRpcMessage,
    json: string,
    direction: Direction,
    info?: PolicyMessageInfo,
  ): PipelineOutcome | Promise<PipelineOutcome> {
    const decision = this.policy.evaluate(context, message, direction, info);
    if (isPromise(decision))
      return decision.then((d) => this.record(context, d, message, json, direction, info));
    return this.record(context, decision, message, json, direction, info);
  }

  /**
   * Records that a session is over. Never throws: the session is gone either way, and a failed
   * end record shows as a session without an end (the recorder logs the spool failure).
   */
  end(context: RelayContext, reason: string, logger: Logger): void {
    try {
      const ended = this.recorder.end(context, reason);
      if (isPromise(ended)) {
        ended.catch((error: unknown) =>
          logger.warn({ reason: (error as Error).message }, 'Recording the session end failed'),
        );
      }
    } catch (error) {
      logger.warn({ reason: (error as Error).message }, 'Recording the session end failed');
    }
  }

  private record(
    context: RelayContext,
    decision: PolicyDecision,
    original: JsonRpcMessage,
    json: string,
    direction: Direction,
    info: PolicyMessageInfo | undefined,
  ): PipelineOutcome | Promise<PipelineOutcome> {
    if (decision.detail !== undefined && decision.detail.action !== 'pass')
      this.observers.metrics?.decided(context.connection, decision.detail.action, decision.detail.rule);
    const message = decision.action === 'pass' ? decision.message : original;
    const out =
      decision.action === 'pass' && decision.message !== original ? JSON.stringify(decision.message) : json;
    const recorded = this.recorder.record(context, {
      source: 'gateway',
      direction,
      message,
      decision: decision.action,
      ...(decision.detail ? { decisionDetail: decision.detail } : {}),
      at: Date.now(),
      ...(info?.masking ? { masking: info.masking } : {}),
    });
    const outcome = { decision, json: out };
    return isPromise(recorded) ? recorded.then(() => outcome) : outcome;
  }
}
