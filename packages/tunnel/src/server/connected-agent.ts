import type * as grpc from '@grpc/grpc-js';
import { AirlockError, GrpcStatus, type ConnectionEra } from '@airlock/core';
import type { Logger } from 'pino';
import type { ControlRequest__Output } from '../generated/airlock/tunnel/v1/ControlRequest.js';
import type { ControlResponse } from '../generated/airlock/tunnel/v1/ControlResponse.js';
import type { Hello__Output } from '../generated/airlock/tunnel/v1/Hello.js';
import type { OpenSession } from '../generated/airlock/tunnel/v1/OpenSession.js';
import {
  eraFromWire,
  failureFromWire,
  transportFromWire,
  type AnnouncedConnection,
} from '../proto/wire-mapping.js';
import { HeartbeatClock } from '../heartbeat/heartbeat-clock.js';
import type { TunnelStream } from '../tunnel-stream.js';
import type { AgentIdentity } from './agent-authenticator.js';
import {
  END_WITH_ANSWER_CAPABILITY,
  OPEN_WITH_REQUEST_CAPABILITY,
  STANDBY_REJOIN_CAPABILITY,
  STANDBY_REUSE_CAPABILITY,
  STANDBY_STREAMS_CAPABILITY,
} from '../capabilities.js';
import { StandbyStreams } from './standby-streams.js';

/** An agent as `airlock agents list` shows it. */
export interface AgentStatus {
  readonly id: string;
  readonly version: string;
  readonly connections: readonly AnnouncedConnection[];
  readonly connectedAt: Date;
  /** The agent's address as the gateway sees it (host:port). */
  readonly peer: string;
  readonly activeSessions: number;
  /** Session streams the agent keeps attached, waiting for a modern-era exchange (StandbyStreams). */
  readonly standbyStreams: number;
  /** Exchanges that ran on a standby stream reused after an earlier exchange (no new call opened). */
  readonly standbyReuses: number;
  /** The last time the gateway heard from the agent (any control message, heartbeats included). */
  readonly lastSeenAt: Date;
}

export interface ConnectedAgentOptions {
  readonly call: grpc.ServerDuplexStream<ControlRequest__Output, ControlResponse>;
  readonly identity: AgentIdentity;
  readonly peer: string;
  readonly gatewayId: string;
  readonly heartbeatIntervalMs: number;
  readonly maxChunkBytes: number;
  /** Standby Session streams asked of an agent that announces STANDBY_STREAMS_CAPABILITY; 0: none. */
  readonly standbyStreams: number;
  /** Capabilities treated as not announced (tests: a gateway that predates them). */
  readonly ignoredCapabilities?: readonly string[] | undefined;
  readonly logger: Logger;
  readonly onReady: (agent: ConnectedAgent) => void;
  readonly onOpenRejected: (agent: ConnectedAgent, openId: string, failure: AirlockError) => void;
  readonly onClosed: (agent: ConnectedAgent, reason: AirlockError) => void;
}

/** A peer silent for this many heartbeat intervals is dead. */
export const MISSED_HEARTBEATS_BEFORE_DEAD = 3;

/**
 * One agent's Control call on the gateway: Hello → Welcome, heartbeats both ways, OpenSession out,
 * OpenRejected in. It also owns the agent's Session streams, so they all end when it does.
 */
export class ConnectedAgent {
  readonly id: string;
  readonly identity: AgentIdentity;
  readonly peer: string;
  version = '';
  connections: readonly AnnouncedConnection[] = [];
  connectedAt = new Date();
  /** OpenSession requests sent and not yet attached or failed; counts as load when choosing an agent. */
  openingSessions = 0;
  ready = false;
  /** The agent's standby Session streams (empty until its Hello, and for agents without them). */
  standby = new StandbyStreams(0);
  /** Standby streams go back to the pool after a clean exchange (Welcome.reuse_standby_streams). */
  reuseStandby = false;
  /** Standby streams the agent attached again after an exchange (AgentStatus.standbyReuses). */
  standbyReuses = 0;
  /** A reused stream rejoins the pool on the clean End, without an Attach (Welcome.standby_rejoin_on_end). */
  rejoinOnEnd = false;
  /** The agent reads an exchange's first frame inside the OpenSession (OPEN_WITH_REQUEST_CAPABILITY). */
  opensWithRequest = false;
  /** The agent's End completes an exchange both ways (Welcome.exchange_ends_with_answer). */
  endsWithAnswer = false;

  readonly #options: ConnectedAgentOptions;
  readonly #call: ConnectedAgentOptions['call'];
  readonly #logger: Logger;
  readonly #sessions = new Map<TunnelStream, string>();
  #lastHeardAt = Date.now();
  #timer: NodeJS.Timeout;
  readonly #clock: HeartbeatClock;
  #closed = false;

  constructor(options: ConnectedAgentOptions) {
    this.#options = options;
    this.#call = options.call;
    this.id = options.identity.id;
    this.identity = options.identity;
    this.peer = options.peer;
    this.#logger = options.logger.child({ agentId: this.id, peer: this.peer });

    this.#call.on('data', (message: ControlRequest__Output) => this.#onMessage(message));
    this.#call.on('end', () => this.close(this.#gone('the agent closed its control stream')));
    this.#call.on('cancelled', () => this.close(this.#gone('the agent connection dropped')));
    this.#call.on('error', (error: Error) => this.close(this.#gone(error.message)));
    // Until the Hello, this timer bounds how long an authenticated but silent call may sit here.
    this.#clock = new HeartbeatClock(options.heartbeatIntervalMs);
    this.#timer = setInterval(() => this.#tick(), options.heartbeatIntervalMs);
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  serves(connection: string): boolean {
    return this.connections.some((c) => c.name === connection);
  }

  status(): AgentStatus {
    return {
      id: this.id,
      version: this.version,
      connections: this.connections,
      connectedAt: this.connectedAt,
      peer: this.peer,
      activeSessions: this.#sessions.size,
      standbyStreams: this.standby.size,
      standbyReuses: this.standbyReuses,
      lastSeenAt: new Date(this.#lastHeardAt),
    };
  }

  sendOpenSession(openSession: OpenSession): void {
    this.#write({ openSession });
  }

  addSession(stream: TunnelStream, connection: string): void {
    this.#sessions.set(stream, connection);
  }

  removeSession(stream: TunnelStream): void {
    this.#sessions.delete(stream);
  }

  /** Ends the control call (telling the agent why) and every session stream it owns. Idempotent. */
  close(reason: AirlockError): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    // The agent sees this as the call's status and reconnects; no-op when the call is already gone.
    this.#call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: reason.message });
    this.standby.closeAll(reason.message);
    const sessions = [...this.#sessions];
    this.#sessions.clear();
    for (const [stream, connection] of sessions) {
      stream.end(
        new AirlockError(
          'tunnel_closed',
          `The agent serving "${connection}" disconnected (${reason.message}); the session ended. ` +
            'Retry: requests work again as soon as the agent reconnects.',
          // Kept so the gateway can tell a revoked agent from a lost one (the recorded end reason).
          { cause: reason },
        ),
      );
    }
    this.#options.onClosed(this, reason);
  }

  #gone(detail: string): AirlockError {
    return new AirlockError('tunnel_closed', `agent "${this.id}" at ${this.peer}: ${detail}`);
  }

  #write(message: ControlResponse): void {
    if (this.#closed) return;
    // Control messages are small and few; a peer that stops reading is caught by the heartbeat.
    this.#call.write(message);
  }

  #tick(): void {
    const silentMs = Date.now() - this.#lastHeardAt;
    const limitMs = MISSED_HEARTBEATS_BEFORE_DEAD * this.#options.heartbeatIntervalMs;
    if (this.#clock.tickOnTime() && silentMs > limitMs) {
      this.#logger.warn({ silentMs }, 'agent missed its heartbeats; dropping it');
      this.close(
        this.#gone(
          this.ready
            ? `no heartbeat for ${silentMs} ms (limit ${limitMs} ms)`
            : `no Hello within ${limitMs} ms of connecting`,
        ),
      );
      return;
    }
    if (this.ready) this.#write({ heartbeat: { sentAtUnixMs: Date.now() } });
  }

  #onMessage(message: ControlRequest__Output): void {
    if (this.#closed) return;
    this.#lastHeardAt = Date.now();
    switch (message.kind) {
      case 'hello':
        if (message.hello) this.#onHello(message.hello);
        return;
      case 'heartbeat':
        return;
      case 'openRejected': {
        const rejected = message.openRejected;
        if (!rejected) return;
        const failure = rejected.failure
          ? failureFromWire(rejected.failure)
          : new AirlockError('upstream_failed', 'The agent could not open the session and gave no reason.');
        this.#options.onOpenRejected(this, rejected.openId, failure);
        return;
      }
      default:
        this.#logger.warn({ kind: message.kind }, 'unexpected control message from agent; ignored');
    }
  }

  #onHello(hello: Hello__Output): void {
    if (this.ready) {
      this.#logger.warn('agent sent a second Hello on one control stream; ignored');
      return;
    }
    if (hello.agentId !== this.id) {
      this.#logger.warn({ helloAgentId: hello.agentId }, 'agent Hello names another agent id; refusing it');
      this.#closed = true;
      clearInterval(this.#timer);
      this.#call.emit('error', {
        code: GrpcStatus.INVALID_ARGUMENT,
        details: `The Hello names agent "${hello.agentId}" but the call authenticated as "${this.id}"; use one agent id in both.`,
      });
      this.#options.onClosed(this, this.#gone('Hello named another agent id'));
      return;
    }
    const allowed = this.#options.identity.connections;
    const connections: AnnouncedConnection[] = [];
    for (const c of hello.connections) {
      const transport = transportFromWire(c.transport);
      const eras = c.eras.map(eraFromWire).filter((e): e is ConnectionEra => e !== undefined);
      if (!transport || eras.length === 0 || !c.name) {
        this.#logger.warn(
          { connection: c.name },
          'agent announced a connection without transport or eras; ignored',
        );
      } else if (allowed.length > 0 && !allowed.includes(c.name)) {
        this.#logger.warn(
          { connection: c.name, allowed },
          'agent announced a connection it is not enrolled for; ignored (add it to the agent\'s "connections" on the gateway)',
        );
      } else {
        connections.push({ name: c.name, transport, eras });
      }
    }
    this.version = hello.version;
    this.connections = connections;
    this.connectedAt = new Date();
    this.ready = true;
    const ignored = this.#options.ignoredCapabilities ?? [];
    const announces = (capability: string): boolean =>
      hello.capabilities.includes(capability) && !ignored.includes(capability);
    const standbyStreams = announces(STANDBY_STREAMS_CAPABILITY) ? this.#options.standbyStreams : 0;
    this.standby = new StandbyStreams(standbyStreams);
    this.reuseStandby = standbyStreams > 0 && announces(STANDBY_REUSE_CAPABILITY);
    this.rejoinOnEnd = this.reuseStandby && announces(STANDBY_REJOIN_CAPABILITY);
    this.opensWithRequest = standbyStreams > 0 && announces(OPEN_WITH_REQUEST_CAPABILITY);
    this.endsWithAnswer = this.rejoinOnEnd && announces(END_WITH_ANSWER_CAPABILITY);
    this.#write({
      welcome: {
        gatewayId: this.#options.gatewayId,
        heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
        maxChunkBytes: this.#options.maxChunkBytes,
        standbyStreams,
        reuseStandbyStreams: this.reuseStandby,
        standbyRejoinOnEnd: this.rejoinOnEnd,
        exchangeEndsWithAnswer: this.endsWithAnswer,
      },
    });
    this.#options.onReady(this);
  }
}
