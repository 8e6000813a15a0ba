import type { ChainBreak, RecordingSource } from '@airlock/core';

/** One source's hash chain: how many events it holds and where it is broken. */
export interface ChainReport {
  readonly events: number;
  readonly breaks: readonly ChainBreak[];
}

export type AgreementProblem =
  /** The gateway forwarded a request that the agent never recorded. */
  | 'missing_in_agent'
  /** The agent recorded a message the gateway never recorded. */
  | 'missing_in_gateway'
  /** Same JSON-RPC id, different method. */
  | 'method_differs'
  /** Same id and `tools/call`, different tool name. */
  | 'tool_differs'
  /** Same response id; one side has a result, the other an error. */
  | 'outcome_differs'
  /** The gateway forwarded requests but the agent recorded nothing at all for the session. */
  | 'agent_record_missing';

/** Where the gateway's and the agent's records disagree; seq and eventId name the event at fault. */
export interface AgreementMismatch {
  readonly source?: RecordingSource | undefined;
  /** The chain within the source, when it has several (see `RecordingEvent.chain`). */
  readonly chain?: string | undefined;
  readonly seq?: number | undefined;
  readonly eventId?: string | undefined;
  readonly problem: AgreementProblem;
  readonly detail: string;
}

/**
 * A call cut off when one side was lost (see `findInFlightCalls`): not a disagreement, so it does
 * not fail verification, but named so an auditor sees exactly what never completed.
 * - `not_received`: one side recorded sending it, the other never recorded receiving it.
 * - `unanswered`: both sides recorded the request and neither holds an answer.
 */
export interface InFlightCall {
  /** The record that holds it (for `not_received`, the side that sent it). */
  readonly source: RecordingSource;
  readonly seq: number;
  readonly eventId: string;
  /** The side whose loss cut the call off: the other side ended the session saying so. */
  readonly lost: RecordingSource;
  readonly state: 'not_received' | 'unanswered';
  readonly detail: string;
}

export interface AgreementReport {
  readonly ok: boolean;
  /** How many message pairs were compared. */
  readonly matched: number;
  readonly mismatches: readonly AgreementMismatch[];
  /** Calls in flight when a side was lost; empty unless a side was lost. They do not fail `ok`. */
  readonly inFlight: readonly InFlightCall[];
}

/** One gateway's chain in a session that several gateways recorded (see `RecordingEvent.chain`). */
export interface GatewayChainReport extends ChainReport {
  /** The chain's name (the gateway's session tag). */
  readonly chain: string;
  /** The gateway that wrote it, as its events say. */
  readonly gatewayId: string | undefined;
}

/** What `airlock verify` prints and `GET /api/v1/sessions/<id>/verify` answers. */
export interface SessionVerification {
  readonly ok: boolean;
  readonly sessionId: string | undefined;
  /** Each source's record: with several gateway chains, `gateway` sums them (breaks name their chain). */
  readonly chains: { readonly gateway: ChainReport; readonly agent: ChainReport };
  /**
   * Each gateway's chain on its own, when several gateways recorded the session (a modern-era
   * group served across a cluster); absent when the session has one gateway chain.
   */
  readonly gatewayChains?: readonly GatewayChainReport[];
  readonly agreement: AgreementReport;
}
