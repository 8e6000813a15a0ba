import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AirlockError, type SessionOpenRequest, type SpooledEvent } from '@airlock/core';
import type { Logger } from 'pino';
import { agentCredentialsMetadata, type AgentCredentials } from '../auth/agent-credentials-metadata.js';
import { OPEN_WITH_REQUEST_CAPABILITY } from '../capabilities.js';
import type { ControlRequest } from '../generated/airlock/tunnel/v1/ControlRequest.js';
import type { ControlResponse__Output } from '../generated/airlock/tunnel/v1/ControlResponse.js';
import type { Frame__Output } from '../generated/airlock/tunnel/v1/Frame.js';
import type { Hello } from '../generated/airlock/tunnel/v1/Hello.js';
import type { OpenSession__Output } from '../generated/airlock/tunnel/v1/OpenSession.js';
import type { RecordRequest } from '../generated/airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse__Output } from '../generated/airlock/tunnel/v1/RecordResponse.js';
import type { SessionRequest } from '../generated/airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse__Output } from '../generated/airlock/tunnel/v1/SessionResponse.js';
import { HeartbeatClock } from '../heartbeat/heartbeat-clock.js';
import type { TunnelServiceClient } from '../generated/airlock/tunnel/v1/TunnelService.js';
import type { Welcome__Output } from '../generated/airlock/tunnel/v1/Welcome.js';
import { tunnelProto } from '../proto/load-tunnel-proto.js';
import { isTraceEnabled } from '../trace.js';
import { failureFromWire, failureToWire, openSessionFromWire } from '../proto/wire-mapping.js';
import { DEFAULT_MAX_CHUNK_BYTES, MAX_ALLOWED_CHUNK_BYTES } from '../stream/frame-chunker.js';
import { GrpcTunnelStream, type SessionCall } from '../stream/grpc-tunnel-stream.js';
import type { TunnelStream } from '../tunnel-stream.js';

export interface GatewayConnectionOptions {
  readonly address: string;
  readonly credentials: grpc.ChannelCredentials;
  readonly channelOptions: grpc.ChannelOptions;
  readonly agent: AgentCredentials;
  readonly hello: Hello;
  readonly heartbeatIntervalMs: number;
  readonly maxMessageBytes: number | undefined;
  readonly suppressHeartbeats: boolean;
  readonly logger: Logger;
  readonly onWelcome: (welcome: Welcome__Output) => void;
  readonly onSession: (request: SessionOpenRequest, stream: TunnelStream) => void;
  readonly onClosed: (reason: AirlockError) => void;
}

/** A peer silent for this many heartbeat intervals is dead (the gateway applies the same rule). */
const MISSED_HEARTBEATS_BEFORE_DEAD = 3;
/** The longest wait for the Welcome after dialling. */
const WELCOME_TIMEOUT_MS = 15_000;
/** A Record call that carried a batch this large is closed once the batch is stored. */
const RETIRE_RECORD_CALL_BYTES = 4 * 1024 * 1024;
/** The most standby streams kept whatever a gateway asks for. */
const MAX_STANDBY_STREAMS = 64;
/** After a standby stream failed before use, how long until the missing ones are opened again. */
const STANDBY_RETRY_MS = 1000;
/** With reuse, how long a taken standby stream may be away before a replacement is opened anyway. */
const STANDBY_TOP_UP_MS = 200;

type SessionClientCall = grpc.ClientDuplexStream<SessionRequest, SessionResponse__Output>;

/**
 * One attempt to be connected to a gateway: its own gRPC channel, the Control call, and the Session
 * calls opened on it. Closing it ends them all; the TunnelClient then dials a fresh one, so its own
 * backoff (not the channel's) decides when.
 */
export class GatewayConnection {
  readonly #options: GatewayConnectionOptions;
  readonly #logger: Logger;
  readonly #client: TunnelServiceClient;
  readonly #control: grpc.ClientDuplexStream<ControlRequest, ControlResponse__Output>;
  readonly #announced: Set<string>;
  readonly #sessions = new Map<TunnelStream, string>();
  readonly #trace = isTraceEnabled('tunnel');
  /** It announced "open-with-request": an OpenSession may carry the request's first frame. */
  readonly #readsFirstFrame: boolean;
  #welcome: Welcome__Output | undefined;
  #lastHeardAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #welcomeTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #recordCall: grpc.ClientDuplexStream<RecordRequest, RecordResponse__Output> | undefined;
  /** Standby Session calls waiting for the gateway's OpenSession (see StandbyStreams on the gateway). */
  readonly #standby = new Set<SessionClientCall>();
  #standbyTarget = 0;
  #standbyRetry: NodeJS.Timeout | undefined;
  #standbyRefill: NodeJS.Immediate | undefined;
  #standbyTopUp: NodeJS.Timeout | undefined;
  readonly #recordWaiters = new Map<string, { resolve: () => void; reject: (error: AirlockError) => void }>();

  constructor(options: GatewayConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#announced = new Set((options.hello.connections ?? []).map((c) => c.name ?? ''));
    this.#readsFirstFrame = options.hello.capabilities?.includes(OPEN_WITH_REQUEST_CAPABILITY) ?? false;
    const { TunnelService } = tunnelProto();
    this.#client = new TunnelService(options.address, options.credentials, options.channelOptions);
    this.#control = this.#client.Control(agentCredentialsMetadata(options.agent));
    this.#control.on('data', (message: ControlResponse__Output) => this.#onMessage(message));
    this.#control.on('error', (error: grpc.ServiceError) => this.close(describeCallError(error)));
    this.#control.on('end', () =>
      this.close(new AirlockError('tunnel_closed', 'the gateway ended the control stream')),
    );
    this.#write({ hello: options.hello });
    this.#welcomeTimer = setTimeout(
      () =>
        this.close(
          new AirlockError('tunnel_closed', `no Welcome from the gateway within ${WELCOME_TIMEOUT_MS} ms`),
        ),
      WELCOME_TIMEOUT_MS,
    );
  }

  get gatewayId(): string | undefined {
    return this.#welcome?.gatewayId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends the control call, every session on this connection (tunnel_closed), and the channel. */
  close(reason: AirlockError): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#welcomeTimer);
    clearTimeout(this.#standbyRetry);
    clearImmediate(this.#standbyRefill);
    clearTimeout(this.#standbyTopUp);
    const standby = [...this.#standby];
    this.#standby.clear();
    for (const call of standby) call.cancel();
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    for (const [stream, connection] of sessions) {
      // Worded for the gateway's user, who receives this failure in the End.
      stream.end(
        new AirlockError(
          'tunnel_closed',
          `The agent serving "${connection}" disconnected (${reason.message}); the session ended. Retry: requests work again as soon as the agent reconnects.`,
        ),
      );
    }
    this.#dropRecordCall(reason);
    this.#control.cancel();
    this.#client.close();
    this.#options.onClosed(reason);
  }

  /**
   * Sends a batch of this agent's recording events on the Record call (opened on first use) and
   * resolves once the gateway has stored them. Rejects when the gateway refuses the batch, the
   * call breaks or `signal` aborts; the caller keeps the events and tries again. A record's
   * `json`, when there, is its event's UTF-8 JSON as spooled: sent as it is, and its `event` (which
   * may parse it) is not read.
   */
  record(records: readonly SpooledEvent[], signal?: AbortSignal): Promise<void> {
    if (this.#closed || !this.#welcome) {
      return Promise.reject(new AirlockError('tunnel_closed', 'not connected to the gateway'));
    }
    const call = (this.#recordCall ??= this.#openRecordCall());
    const batchId = randomUUID();
    const payloads = records.map(
      (record) => record.json ?? Buffer.from(JSON.stringify(record.event), 'utf8'),
    );
    let bytes = 0;
    for (const payload of payloads) bytes += payload.length;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#recordWaiters.delete(batchId);
        reject(new AirlockError('tunnel_closed', 'the recording delivery was stopped'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#recordWaiters.set(batchId, {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          if (bytes >= RETIRE_RECORD_CALL_BYTES) this.#retireRecordCall(call);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      call.write({ batchId, events: payloads });
    });
  }

  #openRecordCall(): grpc.ClientDuplexStream<RecordRequest, RecordResponse__Output> {
    const call = this.#client.Record(agentCredentialsMetadata(this.#options.agent));
    call.on('data', (response: RecordResponse__Output) => {
      const waiter = this.#recordWaiters.get(response.batchId);
      if (!waiter) return;
      this.#recordWaiters.delete(response.batchId);
      if (response.failure) waiter.reject(failureFromWire(response.failure));
      else waiter.resolve();
    });
    const broken = (reason: AirlockError): void => {
      if (this.#recordCall === call) this.#dropRecordCall(reason);
    };
    call.on('error', (error: grpc.ServiceError) => broken(describeCallError(error)));
    call.on('end', () => broken(new AirlockError('tunnel_closed', 'the gateway ended the Record call')));
    return call;
  }

  /**
   * Half-closes a Record call after a large batch was stored; the next batch opens a new one. A
   * grpc-js call keeps the last message written to it (for a retry) until the next write, so the
   * call that carried a 100 MiB recorded result held that batch for as long as the agent stayed
   * idle. Only a call with no other batch awaiting its answer is retired.
   */
  #retireRecordCall(call: grpc.ClientDuplexStream<RecordRequest, RecordResponse__Output>): void {
    if (this.#recordCall !== call || this.#recordWaiters.size > 0) return;
    this.#recordCall = undefined;
    call.end();
  }

  #dropRecordCall(reason: AirlockError): void {
    const call = this.#recordCall;
    this.#recordCall = undefined;
    call?.cancel();
    const waiters = [...this.#recordWaiters.values()];
    this.#recordWaiters.clear();
    for (const waiter of waiters) waiter.reject(reason);
  }

  #write(message: ControlRequest): void {
    if (!this.#closed) this.#control.write(message);
  }

  #onMessage(message: ControlResponse__Output): void {
    if (this.#closed) return;
    this.#lastHeardAt = Date.now();
    switch (message.kind) {
      case 'welcome':
        if (message.welcome && !this.#welcome) this.#onWelcome(message.welcome);
        return;
      case 'heartbeat':
        return;
      case 'openSession':
        if (message.openSession) this.#onOpenSession(message.openSession);
        return;
      default:
        this.#logger.warn({ kind: message.kind }, 'unexpected control message from the gateway; ignored');
    }
  }

  #onWelcome(welcome: Welcome__Output): void {
    clearTimeout(this.#welcomeTimer);
    this.#welcome = welcome;
    // Send at the gateway's pace when it is faster: it drops agents silent for 3 of its intervals.
    const gatewayInterval = welcome.heartbeatIntervalMs || this.#options.heartbeatIntervalMs;
    const sendEvery = Math.min(this.#options.heartbeatIntervalMs, gatewayInterval);
    const deadAfter = MISSED_HEARTBEATS_BEFORE_DEAD * gatewayInterval;
    this.#lastHeardAt = Date.now();
    const clock = new HeartbeatClock(sendEvery);
    this.#timer = setInterval(() => {
      const silentMs = Date.now() - this.#lastHeardAt;
      if (clock.tickOnTime() && silentMs > deadAfter) {
        this.close(new AirlockError('tunnel_closed', `the gateway sent no heartbeat for ${silentMs} ms`));
        return;
      }
      if (!this.#options.suppressHeartbeats) this.#write({ heartbeat: { sentAtUnixMs: Date.now() } });
    }, sendEvery);
    this.#options.onWelcome(welcome);
    this.#standbyTarget = Math.min(welcome.standbyStreams, MAX_STANDBY_STREAMS);
    this.#fillStandby();
  }

  /** Opens standby streams until the gateway's asked-for number wait there. */
  #fillStandby(): void {
    while (!this.#closed && this.#standby.size < this.#standbyTarget) this.#openStandby();
  }

  /**
   * Replaces a standby stream just taken, after the exchange it carries got going: opening a gRPC
   * call costs a few hundred microseconds of this thread (call set-up, credentials metadata,
   * HTTP/2 headers), which, done at once, delayed reading the exchange's first frame by about as
   * much. `setImmediate` runs after the frames already received are handled.
   */
  #refillStandbySoon(): void {
    this.#standbyRefill ??= setImmediate(() => {
      this.#standbyRefill = undefined;
      this.#fillStandby();
    });
  }

  /**
   * After a take, with reuse: the stream usually comes back when its exchange ends, so a new one
   * is opened only when fewer than half the asked-for number wait (many exchanges at once), and
   * otherwise, should it not come back, a little later.
   */
  #replaceTaken(): void {
    if (!this.#welcome?.reuseStandbyStreams) {
      this.#refillStandbySoon();
    } else if (this.#standby.size < Math.ceil(this.#standbyTarget / 2)) {
      this.#refillStandbySoon();
    } else {
      this.#standbyTopUp ??= setTimeout(() => {
        this.#standbyTopUp = undefined;
        this.#fillStandby();
      }, STANDBY_TOP_UP_MS);
      this.#standbyTopUp.unref();
    }
  }

  #openStandby(): void {
    this.#awaitOpen(this.#client.Session(agentCredentialsMetadata(this.#options.agent)));
  }

  /**
   * A call whose exchange ended cleanly waits for the next one. Up to MAX_STANDBY_STREAMS, not the
   * gateway's number: the pool grows to the peak of concurrent exchanges instead of closing streams
   * that the next burst would open again (the gateway accepts reused streams up to the same bound).
   * With Welcome.standby_rejoin_on_end the gateway has put the call back in its pool already, and
   * bounds the pool itself: the call is kept unless this connection is closing, and no Attach goes.
   */
  #rejoinStandby(call: SessionClientCall): void {
    const rejoined = this.#welcome?.standbyRejoinOnEnd === true;
    if (this.#closed || (!rejoined && this.#standby.size >= MAX_STANDBY_STREAMS)) {
      // Its CANCELLED status is no news (and unheard, an 'error' without a listener would throw).
      call.on('error', () => undefined);
      call.cancel();
      return;
    }
    this.#awaitOpen(call, !rejoined);
  }

  /**
   * Attaches `call` as a standby stream (new, or reused; `attach` false when the gateway took it
   * back without one) and starts the session the gateway gives it.
   */
  #awaitOpen(call: SessionClientCall, attach = true): void {
    this.#standby.add(call);
    const failed = (): void => {
      if (!this.#standby.delete(call) || this.#closed || this.#standbyRetry) return;
      // A gateway that refuses standby streams (full, restarting) is asked again later, not in a loop.
      this.#standbyRetry = setTimeout(() => {
        this.#standbyRetry = undefined;
        this.#fillStandby();
      }, STANDBY_RETRY_MS);
      this.#standbyRetry.unref();
    };
    call.on('error', failed);
    call.on('end', failed);
    const endsWithAnswer = this.#welcome?.exchangeEndsWithAnswer === true;
    const onFirst = (first: SessionResponse__Output): void => {
      // The gateway's End for the exchange before, crossing this side's own, which completed it
      // (Welcome.exchange_ends_with_answer): not news. A failure End comes with the call's close.
      if (first.kind === 'end' && endsWithAnswer) return;
      call.off('data', onFirst);
      call.off('error', failed);
      call.off('end', failed);
      // Until the session's stream listens (or for good, when refused): the call's status is no news.
      const ignore = (): void => undefined;
      call.on('error', ignore);
      // Nothing more is read until the session's stream has a consumer.
      call.pause();
      this.#standby.delete(call);
      this.#replaceTaken();
      if (first.kind !== 'open' || !first.open) {
        this.#logger.warn({ kind: first.kind }, 'the gateway sent no OpenSession first on a standby stream');
        call.cancel();
        return;
      }
      const message = first.open;
      const request = this.#acceptOpen(message, (failure) => {
        this.#logger.warn(
          { openId: message.openId, code: failure.code, reason: failure.message },
          'refused an OpenSession',
        );
        call.write({ end: { failure: failureToWire(failure) } });
        call.end();
      });
      if (!request) return;
      this.#startSession(
        request,
        call,
        this.#welcome?.reuseStandbyStreams
          ? (done) => this.#rejoinStandby(done as SessionClientCall)
          : undefined,
        (this.#readsFirstFrame && message.firstFrame) || undefined,
      );
      call.off('error', ignore);
    };
    call.on('data', onFirst);
    // A reused call was left paused by the exchange before.
    call.resume();
    if (attach) call.write({ attach: { openId: '', standby: true } });
  }

  #maxChunkBytes(): number {
    const offered = this.#welcome?.maxChunkBytes ?? 0;
    return offered > 0 ? Math.min(offered, MAX_ALLOWED_CHUNK_BYTES) : DEFAULT_MAX_CHUNK_BYTES;
  }

  #reject(openId: string, failure: AirlockError): void {
    this.#logger.warn({ openId, code: failure.code, reason: failure.message }, 'refused an OpenSession');
    this.#write({ openRejected: { openId, failure: failureToWire(failure) } });
  }

  #onOpenSession(message: OpenSession__Output): void {
    const request = this.#acceptOpen(message, (failure) => this.#reject(message.openId, failure));
    if (!request) return;
    const call = this.#client.Session(agentCredentialsMetadata(this.#options.agent));
    call.write({ attach: { openId: message.openId } });
    // With reuse, an exchange's stream opened on demand (the gateway's pool was empty) joins the
    // pool afterwards, as the gateway expects: the pool grows to the peak of concurrent exchanges.
    this.#startSession(
      request,
      call,
      request.kind === 'exchange' && this.#welcome?.reuseStandbyStreams
        ? (done) => this.#rejoinStandby(done as SessionClientCall)
        : undefined,
    );
  }

  /** The session an OpenSession asks for, or undefined after `reject` when this agent cannot open it. */
  #acceptOpen(
    message: OpenSession__Output,
    reject: (failure: AirlockError) => void,
  ): SessionOpenRequest | undefined {
    let request: SessionOpenRequest;
    try {
      request = openSessionFromWire(message);
    } catch (error) {
      reject(AirlockError.from(error, 'invalid_request'));
      return undefined;
    }
    if (!this.#announced.has(request.connection)) {
      reject(
        new AirlockError(
          'connection_not_found',
          `Agent "${this.#options.agent.agentId}" does not serve connection "${request.connection}" (it serves: ${[...this.#announced].join(', ') || 'none'}). Check the connection name or the agent's configuration.`,
        ),
      );
      return undefined;
    }
    return request;
  }

  /** Hands the session, over its attached call, to the agent's session handler. */
  #startSession(
    request: SessionOpenRequest,
    call: SessionClientCall,
    recycle?: (call: SessionCall) => void,
    firstFrame?: Frame__Output,
  ): void {
    const gatewayId = this.gatewayId ?? this.#options.address;
    const stream: GrpcTunnelStream = new GrpcTunnelStream({
      sessionId: request.sessionId,
      call,
      cancel: () => call.cancel(),
      maxChunkBytes: this.#maxChunkBytes(),
      maxMessageBytes: this.#options.maxMessageBytes,
      logger: this.#logger,
      logBindings: { sessionId: request.sessionId, connection: request.connection },
      trace: this.#trace,
      transportClosed: (detail) =>
        new AirlockError(
          'tunnel_closed',
          `The tunnel to gateway "${gatewayId}" closed (${detail}); session ${request.sessionId} ended.`,
        ),
      onFinish: () => this.#sessions.delete(stream),
      recycle,
      ...(recycle && this.#welcome?.exchangeEndsWithAnswer ? { endsWithAnswer: 'agent' as const } : {}),
      firstFrame,
    });
    this.#sessions.set(stream, request.connection);
    try {
      this.#options.onSession(request, stream);
    } catch (error) {
      this.#logger.error(
        { err: error, sessionId: request.sessionId },
        'session handler threw; ending the session',
      );
      stream.end(AirlockError.from(error, 'upstream_failed'));
    }
  }
}

function describeCallError(error: grpc.ServiceError): AirlockError {
  if (error.code === grpc.status.UNAUTHENTICATED) {
    return new AirlockError('agent_unauthenticated', error.details || error.message, { cause: error });
  }
  return new AirlockError('tunnel_closed', error.details || error.message, { cause: error });
}
