import { readFile } from 'node:fs/promises';
import {
  AirlockError,
  childLogger,
  type AgentConfig,
  type ConnectionEra,
  type MessageRecorder,
  type ResponseMasker,
  type SessionOpenRequest,
  type SpooledEvent,
} from '@airlock/core';
import type { AgentMetrics, RelayTracer } from '@airlock/operations';
import type { TunnelStream } from '@airlock/tunnel';
import type { Logger } from 'pino';
import { AgentCalls } from './agent-calls.js';
import { AwsCredentialCache } from './credentials/aws-credential-cache.js';
import {
  fixedCredentials,
  type AwsCredentials,
  type CredentialSource,
} from './credentials/credential-source.js';
import { RoleCredentials } from './credentials/role-credentials.js';
import { DnsGatewayFleet } from './discovery/dns-gateway-fleet.js';
import { systemGatewayResolver, type GatewayResolver } from './discovery/gateway-resolver.js';
import { AgentMasker } from './masking/agent-masker.js';
import { randomKeyedHash } from './masking/hash-key.js';
import { InjectedSecrets } from './masking/injected-secrets.js';
import { GroupLoggers } from './group-loggers.js';
import { ModernRecordingSessions } from './modern-recording-sessions.js';
import { bridgeSession, type BridgedSession } from './session-bridge.js';
import { HttpConnector } from './upstream/http-connector.js';
import { StdioConnector } from './upstream/stdio-upstream.js';
import type { UpstreamConnector } from './upstream/upstream.js';

/** A connection as the agent announces it to a gateway. */
export interface AnnouncedConnection {
  readonly name: string;
  readonly transport: 'stdio' | 'http';
  readonly eras: readonly ConnectionEra[];
}

/** What a tunnel client needs to dial one gateway. */
export interface AgentTunnelOptions {
  readonly agentId: string;
  readonly token: string;
  readonly gateway: AgentConfig['gateways'][number];
  readonly connections: readonly AnnouncedConnection[];
  readonly heartbeatSeconds: number;
  /** Largest message taken from the gateway (agent.limits.maxMessageBytes). */
  readonly maxMessageBytes: number;
  readonly reconnect: AgentConfig['reconnect'];
  readonly logger: Logger;
}

/** Called by a tunnel client for every session a gateway opens. */
export type SessionHandler = (request: SessionOpenRequest, stream: TunnelStream) => void;

/** A running tunnel client: the agent stops it, and delivers recording events over it. */
export interface AgentTunnel {
  close(): Promise<void> | void;
  /** Whether it is connected to its gateway now. */
  readonly connected?: boolean;
  /** Delivers recording events to the gateway; resolves once stored (see TunnelClient.record). */
  record?(records: readonly SpooledEvent[], signal?: AbortSignal): Promise<void>;
}

/** Creates the tunnel client for one gateway, e.g. `(o, onSession) => new TunnelClient({ ...o, onSession })`. */
export type TunnelFactory = (options: AgentTunnelOptions, onSession: SessionHandler) => AgentTunnel;

export interface CreateAgentOptions {
  readonly logger: Logger;
  readonly tunnelFactory: TunnelFactory;
  /** Default: the agent's masking (gateway policy raised to `agent.masking.floor`, injected values). */
  readonly masker?: ResponseMasker;
  /** The keyed hash for `hash` replacements (see loadKeyedHash); default: HMAC with a random key. */
  readonly keyedHash?: (text: string) => string;
  readonly recorder?: MessageRecorder;
  /** Closed when the agent stops, after every session has ended (and recorded its end). */
  readonly recording?: { close(): Promise<void> };
  /**
   * How long a modern-era recording session stays open after its last exchange (default 300 s);
   * the gateway groups a client's stateless requests under one session id.
   */
  readonly modernSessionIdleMs?: number;
  /** Default: the AWS default provider chain, when some connection injects AWS credentials. */
  readonly credentials?: CredentialSource;
  /** Counts calls, masking and reconnects (the operations listener serves them). */
  readonly metrics?: AgentMetrics | undefined;
  /** Spans for relayed calls, joined to the gateway's trace (tracing configured). */
  readonly tracer?: RelayTracer | undefined;
  /** Resolves a gateway fleet's DNS name (`agent.gateways[].dns`); default: the system resolver. */
  readonly resolveGateways?: GatewayResolver;
}

export interface Agent {
  /** Resolves the token, starts AWS credential resolution in the background and dials every gateway. */
  start(): Promise<void>;
  /**
   * Takes no new sessions, lets calls in flight finish for up to `graceMs` (default 0), then
   * closes the tunnels and every live session (stopping stdio servers, DELETEing HTTP sessions).
   */
  stop(graceMs?: number): Promise<void>;
  /** Client requests being relayed now. */
  readonly callsInFlight: number;
  /** Gateways this agent has a tunnel to now. */
  readonly gatewaysConnected: number;
  /** Whether stop() has begun. */
  readonly stopping: boolean;
  /** Serves one session on `stream`; what tunnel clients call. */
  readonly handleSession: SessionHandler;
  readonly activeSessions: number;
  /**
   * Delivers recording events to whichever gateway is connected (any one: each stores them in the
   * shared store). Rejects when none is, so the caller keeps them and retries.
   */
  recordToGateway(records: readonly SpooledEvent[], signal?: AbortSignal): Promise<void>;
}

function needsAwsCredentials(config: AgentConfig): boolean {
  return Object.values(config.connections).some((c) =>
    c.transport === 'stdio' ? c.aws.inject : c.aws !== undefined,
  );
}

function assumesRoles(config: AgentConfig): boolean {
  return Object.values(config.connections).some((c) => c.aws?.roleArn !== undefined);
}

async function resolveToken(config: AgentConfig): Promise<string> {
  if (config.token !== undefined) return config.token;
  if (config.tokenFile === undefined) {
    throw new AirlockError(
      'config_invalid',
      'The agent needs "token" or "tokenFile" (or the AIRLOCK_AGENT__TOKEN variable).',
    );
  }
  try {
    return (await readFile(config.tokenFile, 'utf8')).trim();
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Could not read the agent token file "${config.tokenFile}" (${(cause as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions.`,
      { cause },
    );
  }
}

/** The agent composition root: upstream connectors per connection, bridged to tunnel sessions. */
export function createAgent(config: AgentConfig, options: CreateAgentOptions): Agent {
  const logger = options.logger.child({ agentId: config.id });
  const credentials =
    options.credentials ??
    (needsAwsCredentials(config)
      ? new AwsCredentialCache(childLogger(logger, { component: 'aws-credentials' }))
      : fixedCredentials(undefined));

  // The agent's own credentials are what it calls STS with, per (connection, person).
  const roles = assumesRoles(config)
    ? new RoleCredentials({ source: credentials, logger: childLogger(logger, { component: 'aws-roles' }) })
    : undefined;

  const injected = new InjectedSecrets(config);
  const masker = options.masker ?? new AgentMasker(config, injected, options.keyedHash ?? randomKeyedHash());
  const connectors = new Map<string, UpstreamConnector>();
  for (const [name, connection] of Object.entries(config.connections)) {
    const connectionLogger = logger.child({ connection: name });
    const common = {
      name,
      credentials,
      ...(roles ? { roles } : {}),
      logger: connectionLogger,
      maxMessageBytes: config.limits.maxMessageBytes,
      onAwsInjected: (injectedCredentials: AwsCredentials) => injected.rememberAws(name, injectedCredentials),
    };
    connectors.set(
      name,
      connection.transport === 'stdio'
        ? new StdioConnector({ ...common, config: connection })
        : new HttpConnector({ ...common, config: connection }),
    );
  }
  const announced: AnnouncedConnection[] = Object.entries(config.connections).map(([name, c]) => ({
    name,
    transport: c.transport,
    eras: c.eras,
  }));

  const sessions = new Set<BridgedSession>();
  const fixedTunnels: AgentTunnel[] = [];
  const fleets: DnsGatewayFleet[] = [];
  const tunnels = (): AgentTunnel[] => [...fixedTunnels, ...fleets.flatMap((fleet) => fleet.tunnels)];
  const modernSessions = new ModernRecordingSessions(
    options.recorder,
    options.modernSessionIdleMs ?? 300_000,
    logger,
  );
  const groupLoggers = new GroupLoggers(logger);
  let stopping = false;
  const calls = new AgentCalls(options.metrics, options.tracer);

  const shuttingDown = (): AirlockError =>
    new AirlockError(
      'agent_unavailable',
      'The agent is shutting down; retry, another agent or gateway may serve the session.',
    );

  const handleSession: SessionHandler = (request, stream) => {
    const connector = connectors.get(request.connection);
    if (stopping || !connector) {
      stream.end(
        stopping
          ? shuttingDown()
          : new AirlockError(
              'connection_not_found',
              `This agent (${config.id}) serves no connection named "${request.connection}"; it serves: ${[...connectors.keys()].join(', ')}.`,
            ),
      );
      return;
    }
    // Fail closed: a session whose masking cannot run here never starts its server. A policy
    // not seen before compiles first (the stream holds the client's messages meanwhile).
    const refuse = (error: unknown): void => {
      const failure = AirlockError.from(error);
      logger.warn(
        { connection: request.connection, code: failure.code, reason: failure.message },
        'session refused',
      );
      stream.end(failure);
    };
    let prepared: unknown;
    try {
      prepared = masker instanceof AgentMasker ? masker.maskerFor(request) : undefined;
    } catch (error) {
      refuse(error);
      return;
    }
    if (prepared instanceof Promise) {
      prepared.then(() => (stopping ? refuse(shuttingDown()) : open(request, stream, connector)), refuse);
      return;
    }
    open(request, stream, connector);
  };

  const open = (request: SessionOpenRequest, stream: TunnelStream, connector: UpstreamConnector): void => {
    const exchange = request.kind === 'exchange';
    const exchangeOver = exchange ? modernSessions.begin(request) : undefined;
    const session = bridgeSession({
      request,
      stream,
      connector,
      logger,
      sessionLogger: exchange ? groupLoggers.for(request) : undefined,
      masker,
      ...(options.recorder ? { recorder: options.recorder } : {}),
      recordEnd: !exchange,
      calls,
      metrics: options.metrics,
    });
    sessions.add(session);
    void session.done.then(() => {
      sessions.delete(session);
      exchangeOver?.();
    });
  };

  return {
    handleSession,
    get activeSessions() {
      return sessions.size;
    },
    get callsInFlight() {
      return calls.inFlight;
    },
    get gatewaysConnected() {
      return tunnels().filter((t) => t.connected).length;
    },
    get stopping() {
      return stopping;
    },
    recordToGateway(records, signal) {
      const tunnel = tunnels().find((t) => t.connected && t.record !== undefined);
      if (!tunnel?.record) {
        return Promise.reject(
          new AirlockError('tunnel_closed', 'no gateway is connected; recording events wait in the spool'),
        );
      }
      return tunnel.record(records, signal);
    },
    async start() {
      const token = await resolveToken(config);
      credentials.start();
      const dial = (gateway: AgentConfig['gateways'][number]): AgentTunnel =>
        options.tunnelFactory(
          {
            agentId: config.id,
            token,
            gateway,
            connections: announced,
            heartbeatSeconds: config.heartbeatSeconds,
            maxMessageBytes: config.limits.maxMessageBytes,
            reconnect: config.reconnect,
            logger: logger.child({ gateway: gateway.address }),
          },
          handleSession,
        );
      for (const gateway of config.gateways) {
        if (gateway.dns === undefined) {
          fixedTunnels.push(dial(gateway));
          continue;
        }
        const fleet = new DnsGatewayFleet({
          entry: gateway,
          resolve: options.resolveGateways ?? systemGatewayResolver,
          dial,
          logger: childLogger(logger, { component: 'gateway-discovery' }),
        });
        fleets.push(fleet);
        await fleet.start();
      }
      logger.info(
        { gateways: config.gateways.map((g) => g.address), connections: announced.map((c) => c.name) },
        'agent started',
      );
    },
    async stop(graceMs = 0) {
      stopping = true;
      if (graceMs > 0 && calls.inFlight > 0) {
        // Draining: the gateways stop routing new sessions here; calls in flight get to finish.
        logger.info({ calls: calls.inFlight, graceMs }, 'stopping: waiting for calls in flight');
        const drained = await calls.drained(graceMs);
        if (!drained)
          logger.warn({ calls: calls.inFlight }, 'grace period over: ending calls still in flight');
      }
      if (options.recording) {
        // Recording first, while the tunnels are up: end the sessions (recording why), then hand
        // the spool to the gateway. What cannot be delivered now stays spooled for the next start.
        const shutdown = new AirlockError(
          'agent_unavailable',
          'The agent is shutting down; start a new session.',
        );
        await Promise.allSettled([...sessions].map((session) => session.close(shutdown)));
        await modernSessions.endAll('agent_shutdown');
        await options.recording.close().catch((error: unknown) => {
          logger.error({ err: error }, 'closing the recording failed');
        });
      }
      await Promise.allSettled([
        ...fixedTunnels.map((tunnel) => tunnel.close()),
        ...fleets.map((fleet) => fleet.close()),
      ]);
      fixedTunnels.length = 0;
      fleets.length = 0;
      const shutdown = new AirlockError(
        'agent_unavailable',
        'The agent is shutting down; start a new session.',
      );
      await Promise.allSettled([...sessions].map((session) => session.close(shutdown)));
      await Promise.allSettled([...connectors.values()].map((connector) => connector.close()));
      await modernSessions.endAll('agent_shutdown');
      credentials.stop();
      roles?.close();
      logger.info('agent stopped');
    },
  };
}
