import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { AirlockError, GrpcStatus, listenFailure, type SessionOpenRequest, childLogger } from '@airlock/core';
import type { Logger } from 'pino';
import { readAgentCredentials } from '../auth/agent-credentials-metadata.js';
import type { ControlRequest__Output } from '../generated/airlock/tunnel/v1/ControlRequest.js';
import type { ControlResponse } from '../generated/airlock/tunnel/v1/ControlResponse.js';
import type { SessionRequest__Output } from '../generated/airlock/tunnel/v1/SessionRequest.js';
import type { SessionResponse } from '../generated/airlock/tunnel/v1/SessionResponse.js';
import type { TunnelServiceHandlers } from '../generated/airlock/tunnel/v1/TunnelService.js';
import { tunnelProto } from '../proto/load-tunnel-proto.js';
import { isTraceEnabled } from '../trace.js';
import { openSessionToWire } from '../proto/wire-mapping.js';
import { checkChunkBytes, DEFAULT_MAX_CHUNK_BYTES } from '../stream/frame-chunker.js';
import { GrpcTunnelStream, type SessionCall } from '../stream/grpc-tunnel-stream.js';
import type { HeldOpen } from '../stream/session-call.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../stream/message-assembler.js';
import type { TunnelStream } from '../tunnel-stream.js';
import type { AgentAuthenticator, AgentIdentity } from './agent-authenticator.js';
import { AgentRegistry, type ConnectionAvailability } from './agent-registry.js';
import { ConnectedAgent, type AgentStatus } from './connected-agent.js';
import type { StandbyCall } from './standby-streams.js';
import { PendingOpens } from './pending-opens.js';
import { serveRecordCall, type RecordHandler } from './record-call.js';
import type { RecordRequest__Output } from '../generated/airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse } from '../generated/airlock/tunnel/v1/RecordResponse.js';

export interface TunnelServerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When set, agents must present a client certificate signed by this CA (mTLS). */
  readonly clientCa?: Buffer | undefined;
}

export interface TunnelServerOptions {
  readonly host: string;
  /** 0 = an ephemeral port; read the actual one from `TunnelServer.port`. */
  readonly port: number;
  readonly tls: TunnelServerTls;
  readonly gatewayId: string;
  readonly authenticator: AgentAuthenticator;
  readonly logger: Logger;
  /** Heartbeat period on control streams; a peer silent for 3 periods is dropped. Default 15 s. */
  readonly heartbeatIntervalMs?: number | undefined;
  /** Largest Frame.data; default 256 KiB, at most 2 MiB (gRPC's default message limit is 4 MiB). */
  readonly maxChunkBytes?: number | undefined;
  /** Largest reassembled message accepted on a session; default 64 MiB. */
  readonly maxMessageBytes?: number | undefined;
  /** How long openSession waits for the agent's Session stream. Default 10 s. */
  readonly openTimeoutMs?: number | undefined;
  /**
   * Session streams each agent keeps open ahead of demand for modern-era exchanges (see
   * StandbyStreams); 0 turns them off, so every exchange opens its stream on demand. Default 16.
   */
  readonly standbyStreams?: number | undefined;
  /**
   * Stores a batch of an agent's recording events (the Record call), already checked to be that
   * agent's own. Without it, Record calls are answered with recording_unavailable.
   */
  readonly onRecord?: RecordHandler | undefined;
  /** Test hooks. Never set in production. */
  readonly testOnly?:
    | {
        /** Hello capabilities treated as not announced: this gateway acts as one that predates them. */
        readonly ignoredCapabilities?: readonly string[];
      }
    | undefined;
}

export interface TunnelServerEvents {
  agentConnected: [agent: AgentStatus];
  agentDisconnected: [agent: AgentStatus, reason: AirlockError];
}

export interface TunnelServerCloseOptions {
  /** How long in-flight calls get to finish before the server cuts them. Default 2 s. */
  readonly graceMs?: number;
}

const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
const DEFAULT_STANDBY_STREAMS = 16;
const MAX_LOGGED_AGENT_ID = 128;

/**
 * The gateway's side of the tunnel: a gRPC server agents dial out to. It authenticates every call,
 * keeps a registry of connected agents and the connections they serve, and opens session streams
 * on them (`openSession`).
 */
export class TunnelServer extends EventEmitter<TunnelServerEvents> {
  readonly host: string;
  readonly port: number;
  readonly gatewayId: string;

  readonly #server: grpc.Server;
  readonly #options: TunnelServerOptions;
  readonly #logger: Logger;
  readonly #heartbeatIntervalMs: number;
  readonly #maxChunkBytes: number;
  readonly #maxMessageBytes: number;
  readonly #openTimeoutMs: number;
  readonly #standbyStreams: number;
  readonly #registry = new AgentRegistry();
  readonly #pending = new PendingOpens();
  /** Authenticated control streams still waiting for their Hello: not in the registry yet. */
  readonly #awaitingHello = new Set<ConnectedAgent>();
  readonly #trace = isTraceEnabled('tunnel');
  #closing: Promise<void> | undefined;

  /** Starts listening; resolves once the port is bound. */
  static async listen(options: TunnelServerOptions): Promise<TunnelServer> {
    const maxChunkBytes = checkChunkBytes(options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES);
    const server = new grpc.Server({
      // Agents ping every 30 s (see TunnelClient); allow that, and ping them too so a dead agent's
      // connection is noticed even when its control stream is quiet. AWS NAT gateways drop flows idle
      // for 350 s, so anything well under that keeps the path open.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      // Honoured by gRPC C-core peers and proxies; grpc-js servers accept any ping rate today.
      'grpc.http2.min_ping_interval_without_data_ms': 20_000,
      // A Record batch may carry one whole recorded message (Session frames are chunked, these are
      // not): allow the largest message twice over, for JSON escaping, instead of gRPC's 4 MiB.
      'grpc.max_receive_message_length': Math.max(
        4 * 1024 * 1024,
        2 * (options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) + 1024 * 1024,
      ),
    });
    const host =
      options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
    const credentials = grpc.ServerCredentials.createSsl(
      options.tls.clientCa ?? null,
      [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
      options.tls.clientCa !== undefined,
    );
    const tunnel = new TunnelServer(server, options, maxChunkBytes);
    server.addService(tunnelProto().TunnelService.service, tunnel.#handlers());
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${options.port}`, credentials, (error, bound) => {
        if (error) {
          server.forceShutdown();
          reject(
            listenFailure(error, 'the tunnel listener', `${host}:${options.port}`, 'gateway.tunnel.listen'),
          );
        } else {
          resolve(bound);
        }
      });
    });
    (tunnel as { port: number }).port = port;
    tunnel.#logger.info(
      { host: options.host, port, mtls: options.tls.clientCa !== undefined },
      'tunnel listening',
    );
    return tunnel;
  }

  private constructor(server: grpc.Server, options: TunnelServerOptions, maxChunkBytes: number) {
    super();
    this.#server = server;
    this.#options = options;
    this.host = options.host;
    this.port = options.port;
    this.gatewayId = options.gatewayId;
    this.#logger = childLogger(options.logger, { component: 'tunnel-server', gatewayId: options.gatewayId });
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#maxChunkBytes = maxChunkBytes;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#openTimeoutMs = options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    this.#standbyStreams = options.standbyStreams ?? DEFAULT_STANDBY_STREAMS;
  }

  /** The listener is up and taking agents (false once close() began). */
  get listening(): boolean {
    return this.#closing === undefined;
  }

  /** The agents connected now. */
  agents(): AgentStatus[] {
    return this.#registry.statuses();
  }

  /**
   * Cuts an agent off now (its enrollment was revoked): ends its control stream, every session on
   * it, and its pending opens. Whether it may come back is the authenticator's call. Returns
   * whether anything was connected under that id.
   */
  disconnectAgent(id: string, reason: string): boolean {
    const error = new AirlockError('tunnel_closed', reason, { data: { endReason: 'revoked' } });
    const victims = [...this.#awaitingHello].filter((agent) => agent.id === id);
    const current = this.#registry.get(id);
    if (current) victims.push(current);
    for (const agent of victims) agent.close(error);
    if (victims.length > 0) this.#logger.info({ agentId: id, reason }, 'agent disconnected by the gateway');
    return victims.length > 0;
  }

  /** How a connection is served by the connected agents, or undefined when none serves it. */
  connection(name: string): ConnectionAvailability | undefined {
    return this.#registry.connection(name);
  }

  /**
   * Asks the least busy agent serving `request.connection` to open a session stream, and resolves
   * with it once the agent attached. Fails at once when no such agent is connected.
   */
  async openSession(request: SessionOpenRequest): Promise<TunnelStream> {
    const { connection } = request;
    const agent = this.#closing ? undefined : this.#registry.pick(connection);
    if (!agent) {
      throw new AirlockError(
        'agent_unavailable',
        `No agent serving connection "${connection}" is connected to this gateway. Check that the agent is running and can reach the tunnel port; requests work again as soon as it reconnects.`,
      );
    }
    // Unguessable, as before, but from Node's batched entropy: randomBytes(16) cost ~15 µs an exchange.
    const openId = randomUUID();
    // A modern-era exchange takes an attached standby stream when one is waiting: no round trip.
    const standby = request.kind === 'exchange' ? agent.standby.take() : undefined;
    if (standby) {
      const open = openSessionToWire(openId, request);
      // Held back to carry the request's first frame when the agent reads it there.
      if (!agent.opensWithRequest) standby.write({ open });
      return this.#startStream(
        standby,
        agent,
        connection,
        request.sessionId,
        // Reused: once the exchange ended cleanly, the call goes back (at once, or on the agent's Attach).
        agent.reuseStandby ? (call) => this.#reuse(call as StandbyCall, agent) : undefined,
        agent.opensWithRequest ? { open, write: (message, done) => standby.write(message, done) } : undefined,
      );
    }
    return new Promise<TunnelStream>((resolve, reject) => {
      this.#pending.add(
        {
          openId,
          agent,
          connection,
          sessionId: request.sessionId,
          reusable: request.kind === 'exchange' && agent.reuseStandby,
          resolve,
          reject,
        },
        this.#openTimeoutMs,
        () =>
          new AirlockError(
            'agent_unavailable',
            `The agent serving "${connection}" did not open the session within ${this.#openTimeoutMs} ms. Check the agent's logs; it may be overloaded or the upstream slow to start.`,
          ),
      );
      agent.sendOpenSession(openSessionToWire(openId, request));
    });
  }

  /** Stops accepting agents, ends every stream, and shuts the server down (forcibly after graceMs). */
  close(options: TunnelServerCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.graceMs ?? 2000);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    const reason = new AirlockError('tunnel_closed', `gateway "${this.gatewayId}" is shutting down`);
    for (const agent of [...this.#awaitingHello, ...this.#registry.all()]) agent.close(reason);
    this.#pending.rejectAll(
      (open) =>
        new AirlockError(
          'agent_unavailable',
          `The gateway shut down before the agent serving "${open.connection}" opened the session; retry against another gateway.`,
        ),
    );
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    this.#logger.info('tunnel closed');
  }

  #handlers(): TunnelServiceHandlers {
    return {
      Control: (call) => this.#onControl(call),
      Session: (call) => this.#onSession(call),
      Record: (call) => this.#onRecord(call),
    };
  }

  /** Checks the call's agent credentials; answers UNAUTHENTICATED (and logs, without the token) if bad. */
  #authenticate(call: grpc.ServerDuplexStream<unknown, unknown>, method: string): AgentIdentity | undefined {
    const { agentId, token } = readAgentCredentials(call.metadata);
    const identity = agentId && token ? this.#options.authenticator.authenticate(agentId, token) : undefined;
    if (identity) return identity;
    const shownId = agentId.slice(0, MAX_LOGGED_AGENT_ID);
    this.#logger.warn(
      { agentId: shownId, peer: call.getPeer(), method, tokenPresented: token.length > 0 },
      'agent authentication failed; refusing the call',
    );
    call.emit('error', {
      code: GrpcStatus.UNAUTHENTICATED,
      details: !agentId
        ? 'This call carries no airlock-agent-id; set agent.id in the agent configuration.'
        : `The gateway refused agent "${shownId}": its token is missing or is not the one enrolled on this gateway. Check agent.id and the agent token, and that the SHA-256 of the token is enrolled under gateway.agents.`,
    });
    return undefined;
  }

  #onControl(call: grpc.ServerDuplexStream<ControlRequest__Output, ControlResponse>): void {
    if (this.#closing) {
      call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'The gateway is shutting down.' });
      return;
    }
    const identity = this.#authenticate(call, 'Control');
    if (!identity) return;
    const agent = new ConnectedAgent({
      call,
      identity,
      peer: call.getPeer(),
      gatewayId: this.gatewayId,
      heartbeatIntervalMs: this.#heartbeatIntervalMs,
      maxChunkBytes: this.#maxChunkBytes,
      standbyStreams: this.#standbyStreams,
      ignoredCapabilities: this.#options.testOnly?.ignoredCapabilities,
      logger: this.#logger,
      onReady: (ready) => this.#onAgentReady(ready),
      onOpenRejected: (from, openId, failure) => this.#pending.reject(openId, from, failure),
      onClosed: (closed, reason) => this.#onAgentClosed(closed, reason),
    });
    this.#awaitingHello.add(agent);
  }

  #onAgentReady(agent: ConnectedAgent): void {
    this.#awaitingHello.delete(agent);
    if (this.#closing) {
      agent.close(new AirlockError('tunnel_closed', 'the gateway is shutting down'));
      return;
    }
    // A second Hello from the same agent id is the agent reconnecting: the old stream is stale.
    this.#registry
      .get(agent.id)
      ?.close(new AirlockError('tunnel_closed', 'replaced by a newer control stream from the same agent'));
    this.#registry.register(agent);
    const status = agent.status();
    this.#logger.info(
      {
        agentId: agent.id,
        peer: agent.peer,
        version: agent.version,
        connections: agent.connections.map((c) => c.name),
      },
      'agent connected',
    );
    this.emit('agentConnected', status);
  }

  #onAgentClosed(agent: ConnectedAgent, reason: AirlockError): void {
    this.#awaitingHello.delete(agent);
    if (!agent.ready) return;
    this.#registry.unregister(agent);
    this.#pending.rejectForAgent(
      agent,
      (open) =>
        new AirlockError(
          'agent_unavailable',
          `The agent serving "${open.connection}" disconnected before the session opened (${reason.message}); requests work again as soon as it reconnects.`,
        ),
    );
    this.#logger.info({ agentId: agent.id, peer: agent.peer, reason: reason.message }, 'agent disconnected');
    this.emit('agentDisconnected', agent.status(), reason);
  }

  #onRecord(call: grpc.ServerDuplexStream<RecordRequest__Output, RecordResponse>): void {
    const identity = this.#authenticate(call, 'Record');
    if (!identity) return;
    serveRecordCall(call, identity.id, this.#options.onRecord, this.#logger);
  }

  #onSession(call: grpc.ServerDuplexStream<SessionRequest__Output, SessionResponse>): void {
    const identity = this.#authenticate(call, 'Session');
    if (!identity) return;
    this.#readAttach(call, identity);
  }

  /**
   * A call whose exchange ended cleanly both ways: back to the agent's pool, at once when the agent
   * rejoins on the End (no Attach to wait for: no message, timer or listener per exchange), else
   * on the agent's next Attach.
   */
  #reuse(call: StandbyCall, agent: ConnectedAgent): void {
    if (!agent.rejoinOnEnd) {
      this.#readAttach(call, agent.identity, true);
      return;
    }
    if (agent.closed || this.#closing) {
      call.emit('error', {
        code: GrpcStatus.UNAVAILABLE,
        details: 'The agent or the gateway is going away.',
      });
    } else if (!agent.standby.add(call, true)) {
      this.#logger.warn(
        { agentId: agent.id, standbyStreams: agent.standby.size },
        'standby pool full; closing a reused stream',
      );
      call.emit('error', {
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        details: `This agent already keeps the ${agent.standby.size} standby streams the gateway allows.`,
      });
    } else {
      agent.standbyReuses++;
    }
  }

  /** Waits for the Attach that starts (or, reused, restarts) a Session call, then places the call. */
  #readAttach(
    call: grpc.ServerDuplexStream<SessionRequest__Output, SessionResponse>,
    identity: AgentIdentity,
    reused = false,
  ): void {
    const refuse = (code: number, details: string): void => {
      this.#logger.warn({ agentId: identity.id, peer: call.getPeer(), details }, 'session stream refused');
      call.emit('error', { code, details });
    };
    const timer = setTimeout(
      () => refuse(GrpcStatus.INVALID_ARGUMENT, 'No Attach arrived on the session stream in time.'),
      this.#openTimeoutMs,
    );
    const cancelled = (): void => clearTimeout(timer);
    call.once('cancelled', cancelled);
    call.once('data', (first: SessionRequest__Output) => {
      // Nothing more is read until the stream has a consumer.
      call.pause();
      clearTimeout(timer);
      call.off('cancelled', cancelled);
      if (first.kind !== 'attach' || !first.attach) {
        refuse(GrpcStatus.INVALID_ARGUMENT, 'The first message on a session stream must be an Attach.');
        return;
      }
      if (first.attach.standby) {
        const agent = this.#registry.get(identity.id);
        if (!agent || agent.closed) {
          refuse(
            GrpcStatus.UNAVAILABLE,
            'This agent has no control stream on this gateway; reconnect first.',
          );
        } else if (!agent.standby.add(call, reused)) {
          refuse(
            GrpcStatus.RESOURCE_EXHAUSTED,
            `This agent already keeps the ${agent.standby.size} standby streams the gateway asked for.`,
          );
        } else if (reused) {
          agent.standbyReuses++;
        }
        return;
      }
      const openId = first.attach.openId;
      const open = this.#pending.peek(openId);
      if (!open) {
        refuse(
          GrpcStatus.NOT_FOUND,
          `The gateway is not waiting for open id "${openId}" (it gave up after ${this.#openTimeoutMs} ms, or it restarted).`,
        );
        return;
      }
      if (open.agent.id !== identity.id) {
        refuse(GrpcStatus.PERMISSION_DENIED, 'This session was requested from another agent.');
        return;
      }
      this.#pending.take(openId);
      open.resolve(
        this.#startStream(
          call,
          open.agent,
          open.connection,
          open.sessionId,
          // An exchange's stream opened on demand (the pool was empty) joins the pool afterwards.
          open.reusable ? (done) => this.#reuse(done as StandbyCall, open.agent) : undefined,
        ),
      );
    });
    // A reused call was left paused by the exchange before.
    call.resume();
  }

  /** The session's stream over an attached Session call, owned by the agent until it finishes. */
  #startStream(
    call: grpc.ServerDuplexStream<SessionRequest__Output, SessionResponse>,
    agent: ConnectedAgent,
    connection: string,
    sessionId: string,
    recycle?: (call: SessionCall) => void,
    pendingOpen?: HeldOpen,
  ): GrpcTunnelStream {
    const stream: GrpcTunnelStream = new GrpcTunnelStream({
      sessionId,
      call,
      maxChunkBytes: this.#maxChunkBytes,
      maxMessageBytes: this.#maxMessageBytes,
      logger: this.#logger,
      logBindings: { sessionId, connection, agentId: agent.id },
      trace: this.#trace,
      transportClosed: (detail) =>
        new AirlockError(
          'tunnel_closed',
          `The agent serving "${connection}" disconnected (${detail}); the session ended. Retry: requests work again as soon as the agent reconnects.`,
        ),
      onFinish: () => agent.removeSession(stream),
      recycle,
      ...(recycle && agent.endsWithAnswer ? { endsWithAnswer: 'gateway' as const } : {}),
      pendingOpen,
    });
    agent.addSession(stream, connection);
    return stream;
  }
}
