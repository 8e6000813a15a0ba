import type { ServerResponse } from 'node:http';
import {
  AirlockError,
  errorResponse,
  fixedFieldsLogger,
  idFromKey,
  idKey,
  isRequest,
  type JsonRpcId,
  type HoldRequest,
  type JsonRpcMessage,
  type RelayContext,
} from '@airlock/core';
import type { RelaySpan } from '@airlock/operations';
import type { TunnelMessage, TunnelStream } from '@airlock/tunnel';
import type { Logger } from 'pino';
import { ResponseChannel } from '../http/response-channel.js';
import {
  DEFAULT_RESUMABLE_STREAM_LIMITS,
  ResumableStreams,
  type ResumableStream,
} from '../http/resumable-streams.js';
import type { MessagePipeline } from './message-pipeline.js';
import { createServerMessageReader } from './server-message-reader.js';
import { endReasonOf, type SessionEndReason } from './session-end-reason.js';

/** The first revision whose clients expect the SSE priming event (SEP-1699). */
const PRIMING_SINCE = '2025-11-25';

interface PendingRequest {
  readonly channel: ResponseChannel;
  readonly method: string;
  readonly startedAt: number;
  /** The request's span, when tracing is on. */
  readonly span: RelaySpan | undefined;
  /** Set when the request was held and released by this approval: its answer is the stored outcome. */
  readonly approvalId?: string | undefined;
}

/** A request held for approval: aborted when the client cancels it or the session ends. */
interface HeldRequest {
  readonly channel: ResponseChannel;
  readonly abort: AbortController;
}

export interface LegacySessionOptions {
  readonly context: RelayContext;
  readonly stream: TunnelStream;
  readonly pipeline: MessagePipeline;
  readonly logger: Logger;
  readonly onEnded: (session: LegacySession, reason: AirlockError | undefined) => void;
}

/**
 * One legacy-era MCP session (initialize … DELETE) at the gateway: the gateway's own session id,
 * the tunnel stream to the agent that holds the upstream session, the client POSTs waiting for
 * answers, and the client's GET stream for messages that belong to no request.
 */
export class LegacySession {
  readonly context: RelayContext;
  lastActivity = Date.now();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly held = new Map<string, HeldRequest>();
  /** Every SSE stream of the session, resumable with Last-Event-ID (SEP-1699). */
  private readonly streams: ResumableStreams;
  /** The GET stream's messages (those of no request), kept while no GET is open. */
  private standalone: ResumableStream | undefined;
  private endedWith: AirlockError | undefined | null = null;
  private readonly stream: TunnelStream;
  private readonly pipeline: MessagePipeline;
  private readonly log: Logger;
  /** The per-call line's logger: its fields are fixed, so it skips redaction (see fixedFieldsLogger). */
  private readonly callLog: Logger;
  private readonly onEnded: LegacySessionOptions['onEnded'];
  private readonly readServerMessage: (frame: TunnelMessage) => void;

  constructor(options: LegacySessionOptions) {
    this.context = options.context;
    this.stream = options.stream;
    this.pipeline = options.pipeline;
    this.log = options.logger;
    this.callLog = this.log.isLevelEnabled('info') ? fixedFieldsLogger(this.log) : this.log;
    this.onEnded = options.onEnded;
    this.streams = new ResumableStreams({
      ...DEFAULT_RESUMABLE_STREAM_LIMITS,
      prime: this.context.protocolVersion >= PRIMING_SINCE,
    });
    this.readServerMessage = createServerMessageReader({
      stream: this.stream,
      pipeline: this.pipeline,
      context: this.context,
      logger: this.log,
      // A response is filtered by what it answers (e.g. tools/list), so policy hears the request's method.
      requestMethodOf: (message, frame) =>
        'method' in message
          ? undefined
          : this.pending.get(message.id === null ? (frame.relatedRequest ?? '') : idKey(message.id))?.method,
      deliver: (message, json, frame) => this.route(message, json, frame),
      fail: (error) => this.terminate(error, endReasonOf(error)),
    });
    this.stream.setHandler({
      onMessage: (message) => this.fromServer(message),
      onEnd: (failure) => this.ended(failure),
    });
  }

  get id(): string {
    return this.context.sessionId;
  }

  /** A call of this session is held for approval. */
  get isHolding(): boolean {
    return this.held.size > 0;
  }

  get isEnded(): boolean {
    return this.endedWith !== null;
  }

  /** The channel that answers a client POST on this session (resumable when it streams). */
  channelFor(
    res: ServerResponse,
    requestId: JsonRpcId | null,
    headers: Record<string, string> = {},
  ): ResponseChannel {
    return new ResponseChannel(res, requestId, headers, this.streams);
  }

  /**
   * A message the client POSTed. Requests get `channel` answered when the server responds;
   * notifications and responses are accepted with 202 once the agent has them.
   */
  async fromClient(message: JsonRpcMessage, json: string, channel: ResponseChannel): Promise<void> {
    this.lastActivity = Date.now();
    const startedAt = performance.now();
    let outcome;
    try {
      outcome = await this.pipeline.process(this.context, message, json, 'client_to_server');
    } catch (error) {
      // Not recordable (strict mode, spool full): refused as the request's JSON-RPC answer, so
      // the client sees why; the session itself goes on and works once the spool can write.
      const failure = AirlockError.from(error);
      if (isRequest(message))
        channel.deliver(JSON.stringify(errorResponse(message.id, failure.toJsonRpcError())), true);
      else channel.fail(failure);
      return;
    }
    if (outcome.decision.action === 'deny') {
      if (isRequest(message)) this.pipeline.refuseCall(this.context, message.method, startedAt);
      if (isRequest(message))
        channel.deliver(
          JSON.stringify(errorResponse(message.id, outcome.decision.error.toJsonRpcError())),
          true,
        );
      else channel.fail(outcome.decision.error);
      return;
    }
    let approvalId: string | undefined;
    if (outcome.decision.action === 'hold') {
      approvalId = await this.holdForApproval(message, outcome.decision.hold, channel);
      if (approvalId === undefined) return;
    }
    let span: RelaySpan | undefined;
    if (isRequest(message)) {
      const key = idKey(message.id);
      span = this.pipeline.startCall(this.context, message.method);
      this.pending.set(key, { channel, method: message.method, startedAt, span, approvalId });
    } else if ('method' in message && message.method === 'notifications/cancelled') {
      this.cancelPending(message.params?.['requestId']);
    }
    try {
      await this.stream.send(outcome.json, span ? { traceparent: span.traceparent } : undefined);
    } catch (cause) {
      if (isRequest(message)) {
        this.pending.delete(idKey(message.id));
        this.pipeline.finishCall(this.context, message.method, 'error', startedAt, span);
      }
      const failure = AirlockError.from(cause, 'tunnel_closed');
      if (approvalId !== undefined && isRequest(message)) {
        const answer = JSON.stringify(errorResponse(message.id, failure.toJsonRpcError()));
        this.pipeline.approvals?.released(this.context, approvalId, answer);
        channel.deliver(answer, true);
        return;
      }
      channel.fail(failure);
      return;
    }
    if (!isRequest(message)) channel.accept();
  }

  /**
   * Holds a request for approval (the client's answer stays open, kept alive). Returns the
   * approval that released it, or undefined when the client has been answered (denied, expired,
   * the stored outcome of a retry) or is gone.
   */
  private async holdForApproval(
    message: JsonRpcMessage,
    hold: HoldRequest,
    channel: ResponseChannel,
  ): Promise<string | undefined> {
    const gate = this.pipeline.approvals;
    if (!isRequest(message) || gate === undefined) {
      const error = new AirlockError(
        'approval_unavailable',
        `Guardrail "${hold.rule}" holds this message for approval, but ${isRequest(message) ? 'this gateway holds no calls' : 'only requests can be held'}; it was refused. Ask an operator about the rule.`,
        { data: { rule: hold.rule } },
      );
      if (isRequest(message))
        channel.deliver(JSON.stringify(errorResponse(message.id, error.toJsonRpcError())), true);
      else channel.fail(error);
      return undefined;
    }
    const key = idKey(message.id);
    const abort = new AbortController();
    this.held.set(key, { channel, abort });
    let verdict;
    try {
      verdict = await gate.hold({
        context: this.context,
        request: message,
        hold,
        channel,
        signal: abort.signal,
      });
    } catch (error) {
      // The store cannot hold it (fail closed): the call does not run.
      channel.deliver(
        JSON.stringify(errorResponse(message.id, AirlockError.from(error).toJsonRpcError())),
        true,
      );
      return undefined;
    } finally {
      this.held.delete(key);
    }
    if (verdict.kind === 'abandoned') return undefined;
    if (verdict.kind === 'answer') {
      channel.deliver(verdict.json, true);
      return undefined;
    }
    try {
      if (this.isEnded)
        throw (
          this.endedWith ?? new AirlockError('upstream_closed', 'The session ended while the call was held.')
        );
      await this.pipeline.recordRelease(this.context, message, verdict.approvalId);
    } catch (error) {
      const answer = JSON.stringify(errorResponse(message.id, AirlockError.from(error).toJsonRpcError()));
      gate.released(this.context, verdict.approvalId, answer);
      channel.deliver(answer, true);
      return undefined;
    }
    return verdict.approvalId;
  }

  /**
   * A client GET. With `Last-Event-ID`: resumes the stream that id belongs to (a request's
   * response or the GET stream), replaying what followed it. Without: the GET stream for server
   * messages that belong to no request, one at a time, starting with what waited for it.
   */
  openGetStream(res: ServerResponse, headers: Record<string, string>, lastEventId?: string): void {
    if (lastEventId !== undefined) {
      const found = this.streams.find(lastEventId);
      if (found === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify(
            errorResponse(null, {
              code: -32600,
              message: `Cannot resume from Last-Event-ID "${lastEventId}": it is not an event of this session, or what followed it is no longer kept. Retry the request, or open the GET stream without Last-Event-ID.`,
            }),
          ),
        );
        return;
      }
      found.stream.attach(res, headers, { afterSeq: found.afterSeq });
      return;
    }
    if (this.standalone?.attached) {
      res.writeHead(409, { 'content-type': 'application/json' }).end(
        JSON.stringify(
          errorResponse(null, {
            code: -32600,
            message: 'This session already has a GET stream open; close it before opening another.',
          }),
        ),
      );
      return;
    }
    this.standalone ??= this.streams.open();
    this.standalone.attach(res, headers, { afterSeq: this.standalone.lastLiveSeq });
  }

  /** DELETE, idle expiry or gateway shutdown; `endReason` is what the recording says. */
  terminate(reason: AirlockError, endReason: SessionEndReason): void {
    if (this.isEnded) return;
    // Ended first: a local end() reports onEnd at once, which would otherwise record "closed"
    // and lose the reason a later request on this session id should hear.
    this.ended(reason, endReason);
    this.stream.end();
  }

  private cancelPending(requestId: unknown): void {
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
    const key = idKey(requestId);
    const held = this.held.get(key);
    if (held) {
      // Cancelled while held: it stops waiting (the approval stays; a retry finds it).
      held.abort.abort();
      held.channel.abandon();
      return;
    }
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    this.pipeline.finishCall(this.context, pending.method, 'cancelled', pending.startedAt, pending.span);
    pending.channel.abandon();
  }

  private readonly fromServer = (frame: TunnelMessage): void => {
    this.lastActivity = Date.now();
    if (frame.streamPolled) {
      // A signal in order with the messages: the server closed this request's stream to be polled.
      if (frame.relatedRequest !== undefined)
        this.pending.get(frame.relatedRequest)?.channel.poll(frame.retryMs);
      return;
    }
    this.readServerMessage(frame);
  };

  private route(message: JsonRpcMessage, json: string, frame: TunnelMessage): void {
    if (!('method' in message)) {
      // A `"id": null` error is the upstream refusing the POST it answers (e.g. HTTP 400).
      const key = message.id === null ? frame.relatedRequest : idKey(message.id);
      if (key === undefined) return;
      const pending = this.pending.get(key);
      if (!pending) return;
      this.pending.delete(key);
      if (pending.approvalId !== undefined)
        this.pipeline.approvals?.released(this.context, pending.approvalId, json);
      this.pipeline.finishCall(
        this.context,
        pending.method,
        'error' in message ? 'error' : 'ok',
        pending.startedAt,
        pending.span,
      );
      this.callLog.info(
        {
          method: pending.method,
          id: message.id,
          ms: Math.round((performance.now() - pending.startedAt) * 100) / 100,
          outcome: 'error' in message ? 'error' : 'ok',
        },
        'mcp call',
      );
      this.backpressure(
        pending.channel.deliver(json, true, frame.httpStatus, frame.eventStream),
        pending.channel,
      );
      return;
    }
    const related = frame.relatedRequest === undefined ? undefined : this.pending.get(frame.relatedRequest);
    if (related && !related.channel.done) {
      this.backpressure(related.channel.deliver(json, false), related.channel);
      return;
    }
    if (this.standalone?.attached) {
      this.standalone.write(json);
      return;
    }
    // No GET stream: any open request stream reaches the same client; prefer the newest.
    let newest: PendingRequest | undefined;
    for (const p of this.pending.values()) if (!p.channel.done) newest = p;
    if (newest) {
      this.backpressure(newest.channel.deliver(json, false), newest.channel);
      return;
    }
    // Kept (within the session's budget) for the next GET stream.
    this.standalone ??= this.streams.open();
    this.standalone.write(json);
  }

  /** A slow client reading its answer stops the relay from reading further on this session. */
  private backpressure(writable: boolean, channel: ResponseChannel): void {
    if (writable) return;
    this.stream.pause();
    channel.onWritable(() => this.stream.resume());
  }

  private ended(failure: AirlockError | undefined, endReason: SessionEndReason = endReasonOf(failure)): void {
    if (this.isEnded) return;
    this.endedWith = failure;
    this.pipeline.end(this.context, endReason, this.log);
    const reason =
      failure ??
      new AirlockError(
        'upstream_closed',
        `The MCP server for connection "${this.context.connection}" closed the session. Start a new session (initialize) to continue.`,
      );
    // These requests were forwarded: each gets its JSON-RPC answer, an error saying why.
    for (const [key, pending] of this.pending) {
      this.pipeline.finishCall(this.context, pending.method, 'error', pending.startedAt, pending.span);
      if (pending.approvalId !== undefined) {
        const answer = JSON.stringify(errorResponse(idFromKey(key), reason.toJsonRpcError()));
        this.pipeline.approvals?.released(this.context, pending.approvalId, answer);
      }
      pending.channel.answerWithError(reason);
    }
    this.pending.clear();
    for (const [, held] of this.held) {
      held.abort.abort();
      held.channel.answerWithError(reason);
    }
    this.held.clear();
    this.standalone?.end();
    this.log.info({ reason: reason.message, code: reason.code }, 'session ended');
    this.onEnded(this, failure);
  }
}
