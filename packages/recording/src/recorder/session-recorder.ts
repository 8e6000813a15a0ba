import { randomUUID } from 'node:crypto';
import {
  AirlockError,
  childLogger,
  RECORDING_SCHEMA_VERSION,
  type MaskingFinding,
  type MessageRecorder,
  type RecordedAccessGrant,
  type RecordedApproval,
  type RecordedAwsCredentials,
  type RecordedDecision,
  type RecordedMessage,
  type RecordingEvent,
  type RecordingSource,
  type RelayContext,
  type ToolChange,
} from '@airlock/core';
import { pino, type Logger } from 'pino';
import { clientInfoOf, recordedIdentity, sealEvent } from './build-event.js';
import { SessionChains, type SessionChain } from './session-chains.js';

export type RecordingMode = 'strict' | 'best-effort';

/** Where events go: the spool (anything with its `append`). */
export interface EventAppender {
  /** `json`, when given, is the event's UTF-8 JSON (see `sealEvent`), so it is not serialised again. */
  append(event: RecordingEvent, json?: Buffer): Promise<unknown>;
}

/** A recorded message plus what the pipeline knows beyond the seam's minimum. */
export interface RecorderEntry extends RecordedMessage {
  /** What masking changed (types, counts, paths; never the values). */
  readonly masking?: readonly MaskingFinding[] | undefined;
  /** The policy decision with its rule and reason; `decision` alone records only the action. */
  readonly decisionDetail?: RecordedDecision | undefined;
}

export interface SessionRecorderOptions {
  readonly spool: EventAppender;
  readonly source: RecordingSource;
  /** `strict` (default): a message that cannot be spooled is refused. */
  readonly mode?: RecordingMode;
  readonly gatewayId?: string;
  readonly agentId?: string;
  readonly logger?: Logger;
  /** Ended sessions remembered so late messages continue their chain (default 10 000). */
  readonly maxEndedSessions?: number;
}

type EventFields = Pick<RecordingEvent, 'kind' | 'at'> &
  Partial<
    Pick<
      RecordingEvent,
      | 'direction'
      | 'message'
      | 'masking'
      | 'decision'
      | 'start'
      | 'end'
      | 'warning'
      | 'toolChange'
      | 'approval'
      | 'access'
      | 'awsCredentials'
    >
  >;

/**
 * The `MessageRecorder` of one source (the gateway or the agent): turns each message of each
 * session into a hash-chained RecordingEvent and appends it to the spool before the message goes
 * on. `seq` and `prevHash` are assigned synchronously in call order, so concurrent messages of
 * one session still form one gap-free chain.
 *
 * Chains are per process lifetime of a session: sessions do not survive a restart (a restarted
 * gateway or agent has new session ids), so chain state is memory only and never reloaded.
 *
 * A failed append leaves a gap in its chain (seq is never reused: later events may already be
 * chained onto it). The next event of that session is then a `warning` that names the gap and
 * its cause, so `verify` shows a gap that is explained, not a silent one.
 */
export class SessionRecorder implements MessageRecorder {
  readonly source: RecordingSource;
  readonly mode: RecordingMode;
  private readonly spool: EventAppender;
  private readonly gatewayId: string | undefined;
  private readonly agentId: string | undefined;
  private readonly logger: Logger;
  private readonly chains: SessionChains;
  private failing = false;
  private failedSinceWarning = 0;

  constructor(options: SessionRecorderOptions) {
    this.spool = options.spool;
    this.source = options.source;
    this.mode = options.mode ?? 'strict';
    this.gatewayId = options.gatewayId;
    this.agentId = options.agentId;
    this.logger = childLogger(options.logger ?? pino({ enabled: false }), {
      component: 'recorder',
      source: this.source,
    });
    this.chains = new SessionChains(options.maxEndedSessions ?? 10_000);
  }

  /** Sessions with a chain in progress (for metrics; `end()` removes them). */
  get liveSessions(): number {
    return this.chains.liveCount;
  }

  record(context: RelayContext, entry: RecorderEntry): Promise<void> {
    if (entry.source !== this.source) {
      return Promise.reject(
        new AirlockError('internal', `A ${entry.source} message was given to the ${this.source} recorder.`),
      );
    }
    const at = new Date(entry.at).toISOString();
    const writes: Promise<unknown>[] = [];
    let chain = this.chains.find(context.sessionId);
    if (!chain) {
      chain = this.chains.create(context.sessionId);
      const clientInfo = clientInfoOf(entry.message);
      writes.push(
        this.appendNext(context, chain, {
          kind: 'session_start',
          at,
          start: clientInfo ? { clientInfo } : {},
        }),
      );
    }
    if (chain.lost) writes.push(this.appendGapWarning(context, chain, at));
    const decision = decisionOf(entry);
    writes.push(
      this.appendNext(context, chain, {
        kind: 'message',
        at,
        direction: entry.direction,
        message: entry.message,
        ...(entry.masking && entry.masking.length > 0 ? { masking: entry.masking } : {}),
        ...(decision ? { decision } : {}),
      }),
    );
    return this.settle(writes);
  }

  /** Records a `tool_changed` event (tool pinning) in the session's chain. */
  recordToolChange(context: RelayContext, toolChange: ToolChange, atMs: number): Promise<void> {
    return this.recordAside(context, atMs, { kind: 'tool_changed', toolChange });
  }

  /** Records an `approval` event (a step of a held call's approval) in the session's chain. */
  recordApproval(context: RelayContext, approval: RecordedApproval, atMs: number): Promise<void> {
    return this.recordAside(context, atMs, { kind: 'approval', approval });
  }

  /** Records an `access` event (a step of a just-in-time grant) in the session's chain. */
  recordAccess(context: RelayContext, access: RecordedAccessGrant, atMs: number): Promise<void> {
    return this.recordAside(context, atMs, { kind: 'access', access });
  }

  /** Records an `aws_credentials` event (the role the agent assumed for the person) in the session's chain. */
  recordAwsCredentials(
    context: RelayContext,
    awsCredentials: RecordedAwsCredentials,
    atMs: number,
  ): Promise<void> {
    return this.recordAside(context, atMs, { kind: 'aws_credentials', awsCredentials });
  }

  /** An event beside the messages (starting the chain when it is the session's first). */
  private recordAside(context: RelayContext, atMs: number, fields: Omit<EventFields, 'at'>): Promise<void> {
    const at = new Date(atMs).toISOString();
    const writes: Promise<unknown>[] = [];
    let chain = this.chains.find(context.sessionId);
    if (!chain) {
      chain = this.chains.create(context.sessionId);
      writes.push(this.appendNext(context, chain, { kind: 'session_start', at, start: {} }));
    }
    if (chain.lost) writes.push(this.appendGapWarning(context, chain, at));
    writes.push(this.appendNext(context, chain, { ...fields, at }));
    return this.settle(writes);
  }

  end(context: RelayContext, reason: string): Promise<void> {
    const at = new Date().toISOString();
    const writes: Promise<unknown>[] = [];
    let chain = this.chains.find(context.sessionId);
    if (chain?.ended) return Promise.resolve();
    if (!chain) {
      chain = this.chains.create(context.sessionId);
      writes.push(this.appendNext(context, chain, { kind: 'session_start', at, start: {} }));
    }
    if (chain.lost) writes.push(this.appendGapWarning(context, chain, at));
    writes.push(this.appendNext(context, chain, { kind: 'session_end', at, end: { reason } }));
    this.chains.markEnded(context.sessionId, chain);
    return this.settle(writes);
  }

  /** Builds the next event of `chain` and appends it; a failure is noted as a gap and rethrown. */
  private appendNext(context: RelayContext, chain: SessionChain, fields: EventFields): Promise<unknown> {
    const seq = chain.seq + 1;
    const { event, json } = sealEvent({
      schema: RECORDING_SCHEMA_VERSION,
      id: randomUUID(),
      sessionId: context.sessionId,
      source: this.source,
      ...(context.chain === undefined ? {} : { chain: context.chain }),
      seq,
      ...fields,
      identity: recordedIdentity(context.caller),
      connection: context.connection,
      ...(this.gatewayId === undefined ? {} : { gatewayId: this.gatewayId }),
      ...(this.agentId === undefined ? {} : { agentId: this.agentId }),
      era: context.era,
      protocolVersion: context.protocolVersion,
      prevHash: chain.lastHash,
    });
    chain.seq = seq;
    chain.lastHash = event.hash;
    return this.spool.append(event, json).then(
      () => {
        if (this.failing) this.recovered();
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error.message : String(error);
        chain.lost = chain.lost
          ? { ...chain.lost, from: Math.min(chain.lost.from, seq), to: Math.max(chain.lost.to, seq) }
          : { from: seq, to: seq, cause };
        this.failed(error, context.sessionId, seq);
        throw error;
      },
    );
  }

  private appendGapWarning(context: RelayContext, chain: SessionChain, at: string): Promise<unknown> {
    const lost = chain.lost;
    if (!lost) return Promise.resolve();
    chain.lost = undefined;
    const outcome =
      this.mode === 'strict'
        ? 'the calls they belonged to were refused (strict mode)'
        : 'the calls went ahead unrecorded (best-effort mode)';
    const range = lost.from === lost.to ? `event ${lost.from}` : `events ${lost.from}..${lost.to}`;
    return this.appendNext(context, chain, {
      kind: 'warning',
      at,
      warning: {
        code: 'recording_gap',
        message: `${range} of this session could not be spooled (${lost.cause}); ${outcome}.`,
      },
    }).catch((error: unknown) => {
      // The warning itself was lost: fold its range back so the next warning covers both.
      const current = chain.lost;
      chain.lost = { from: lost.from, to: Math.max(current?.to ?? lost.to, lost.to), cause: lost.cause };
      throw error;
    });
  }

  private async settle(writes: readonly Promise<unknown>[]): Promise<void> {
    try {
      await (writes.length === 1 ? writes[0] : Promise.all(writes));
    } catch (error) {
      if (this.mode === 'strict') throw AirlockError.from(error, 'recording_unavailable');
    }
  }

  private failed(error: unknown, sessionId: string, seq: number): void {
    this.failedSinceWarning += 1;
    if (this.failing) return;
    this.failing = true;
    // One line per outage, not per event: a full disk under load would otherwise flood the log.
    this.logger.warn(
      { err: error, sessionId, seq, mode: this.mode },
      this.mode === 'strict'
        ? 'recording failed: calls are refused until the spool can write again'
        : 'recording failed: calls go ahead unrecorded (best-effort) until the spool can write again',
    );
  }

  private recovered(): void {
    this.failing = false;
    this.logger.warn({ lostEvents: this.failedSinceWarning }, 'recording works again');
    this.failedSinceWarning = 0;
  }
}

function decisionOf(entry: RecorderEntry): RecordedDecision | undefined {
  if (entry.decisionDetail) return entry.decisionDetail;
  return entry.decision ? { action: entry.decision } : undefined;
}
