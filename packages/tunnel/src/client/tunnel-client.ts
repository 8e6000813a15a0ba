import { EventEmitter } from 'node:events';
import { AirlockError, type SessionOpenRequest, type SpooledEvent, childLogger } from '@airlock/core';
import type { Logger } from 'pino';
import { AGENT_CAPABILITIES } from '../capabilities.js';
import { eraToWire, transportToWire, type AnnouncedConnection } from '../proto/wire-mapping.js';
import type { TunnelStream } from '../tunnel-stream.js';
import { channelCredentials, channelOptions, type TunnelClientTls } from './channel-setup.js';
import { GatewayConnection } from './gateway-connection.js';
import { ReconnectBackoff, type ReconnectPolicy } from './reconnect-backoff.js';

export type TunnelClientState = 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface TunnelClientOptions {
  /** host:port of the gateway's tunnel listener. */
  readonly address: string;
  readonly tls: TunnelClientTls;
  readonly agentId: string;
  readonly token: string;
  /** This agent's software version, shown by `airlock agents list`. */
  readonly version: string;
  readonly connections: readonly AnnouncedConnection[];
  readonly logger: Logger;
  /**
   * Called for every session the gateway asks for, with its stream already attached. Install a
   * handler on the stream (it holds messages until then); end it with a failure when the upstream
   * cannot be reached.
   */
  readonly onSession: (request: SessionOpenRequest, stream: TunnelStream) => void;
  /** Default 15 s; the gateway's Welcome may ask for a shorter one. */
  readonly heartbeatIntervalMs?: number | undefined;
  /** Default 250 ms growing to 30 s. */
  readonly reconnect?: ReconnectPolicy | undefined;
  /** Largest reassembled message accepted from the gateway; default 64 MiB. */
  readonly maxMessageBytes?: number | undefined;
  /** Test hooks. Never set in production. */
  readonly testOnly?:
    | {
        readonly suppressHeartbeats?: boolean;
        /** The Hello's capabilities instead of this version's (an agent that predates some). */
        readonly capabilities?: readonly string[];
      }
    | undefined;
}

export interface TunnelClientEvents {
  connected: [info: { gatewayId: string }];
  /** A connection or a connection attempt ended; the client retries unless stopped. */
  disconnected: [reason: AirlockError, wasConnected: boolean];
}

const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 30_000 };
/** A connection up this long counts as stable: the next reconnect starts from the initial delay. */
const STABLE_CONNECTION_MS = 10_000;
/**
 * The agent's side of the tunnel. It dials out to one gateway, says Hello with the connections it
 * serves, answers the gateway's OpenSession requests with Session streams, and reconnects forever
 * with jittered exponential backoff.
 */
export class TunnelClient extends EventEmitter<TunnelClientEvents> {
  readonly #options: TunnelClientOptions;
  readonly #logger: Logger;
  readonly #backoff: ReconnectBackoff;
  readonly #reconnect: ReconnectPolicy;
  #state: TunnelClientState = 'stopped';
  #connection: GatewayConnection | undefined;
  #connectedAt: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #lastError: AirlockError | undefined;

  constructor(options: TunnelClientOptions) {
    super();
    this.#options = options;
    this.#reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    this.#backoff = new ReconnectBackoff(this.#reconnect);
    // The agent's logger carries agentId and gateway already: childLogger binds each once.
    this.#logger = childLogger(options.logger, {
      component: 'tunnel-client',
      gateway: options.address,
      agentId: options.agentId,
    });
    // Fail on bad TLS settings now, not at the first reconnect.
    channelCredentials(options.tls);
  }

  get state(): TunnelClientState {
    return this.#state;
  }

  /** The connected gateway's id, while connected. */
  get gatewayId(): string | undefined {
    return this.#state === 'connected' ? this.#connection?.gatewayId : undefined;
  }

  /** Why the last connection or attempt ended. */
  get lastError(): AirlockError | undefined {
    return this.#lastError;
  }

  /**
   * Delivers a batch of this agent's recording events to the connected gateway; resolves once the
   * gateway has stored them. Rejects (tunnel_closed) while not connected: keep them and retry.
   * A record's `json`, when there, is its event as spooled, sent as it is.
   */
  record(records: readonly SpooledEvent[], signal?: AbortSignal): Promise<void> {
    const connection = this.#state === 'connected' ? this.#connection : undefined;
    if (!connection) {
      return Promise.reject(
        new AirlockError('tunnel_closed', `not connected to the gateway at ${this.#options.address}`),
      );
    }
    return connection.record(records, signal);
  }

  start(): void {
    if (this.#state !== 'stopped') return;
    this.#backoff.reset();
    this.#dial();
  }

  /** Ends every session and the connection; no reconnect until start() again. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    clearTimeout(this.#retryTimer);
    this.#connection?.close(new AirlockError('tunnel_closed', 'the agent is stopping'));
    this.#connection = undefined;
  }

  #dial(): void {
    this.#state = 'connecting';
    const options = this.#options;
    const connection: GatewayConnection = new GatewayConnection({
      address: options.address,
      credentials: channelCredentials(options.tls),
      channelOptions: channelOptions(options.tls),
      agent: { agentId: options.agentId, token: options.token },
      hello: {
        agentId: options.agentId,
        version: options.version,
        capabilities: [...(options.testOnly?.capabilities ?? AGENT_CAPABILITIES)],
        connections: options.connections.map((c) => ({
          name: c.name,
          transport: transportToWire(c.transport),
          eras: c.eras.map(eraToWire),
        })),
      },
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      maxMessageBytes: options.maxMessageBytes,
      suppressHeartbeats: options.testOnly?.suppressHeartbeats ?? false,
      logger: this.#logger,
      onSession: options.onSession,
      onWelcome: (welcome) => {
        if (this.#connection !== connection || this.#state === 'stopped') return;
        this.#state = 'connected';
        this.#connectedAt = Date.now();
        this.#logger.info({ gatewayId: welcome.gatewayId }, 'connected to gateway');
        this.emit('connected', { gatewayId: welcome.gatewayId });
      },
      onClosed: (reason) => this.#onClosed(connection, reason),
    });
    this.#connection = connection;
  }

  #onClosed(connection: GatewayConnection, reason: AirlockError): void {
    if (this.#connection !== connection && this.#connection !== undefined) return;
    const wasConnected = this.#connectedAt !== undefined;
    const upForMs = wasConnected ? Date.now() - (this.#connectedAt as number) : 0;
    this.#connectedAt = undefined;
    this.#connection = undefined;
    this.#lastError = reason;
    const stopped = this.#state === 'stopped';
    if (!stopped) {
      if (upForMs >= STABLE_CONNECTION_MS) this.#backoff.reset();
      let delayMs: number;
      if (reason.code === 'agent_unauthenticated') {
        // Retrying quickly cannot help until someone fixes the enrolment; keep trying at the cap.
        delayMs = this.#reconnect.maxDelayMs;
        this.#logger.error(
          { reason: reason.message, retryInMs: delayMs },
          "the gateway refused this agent's token; check agent.id and the token enrolled on the gateway",
        );
      } else {
        delayMs = this.#backoff.next();
        this.#logger[wasConnected ? 'warn' : 'info'](
          { reason: reason.message, retryInMs: delayMs },
          wasConnected ? 'disconnected from gateway; reconnecting' : 'could not connect to gateway; retrying',
        );
      }
      this.#state = 'backoff';
      this.#retryTimer = setTimeout(() => {
        if (this.#state === 'backoff') this.#dial();
      }, delayMs);
    }
    this.emit('disconnected', reason, wasConnected);
  }
}
