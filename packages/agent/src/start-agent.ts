import { readFileSync } from 'node:fs';
import { AirlockError, type AgentConfig, type RecordingConfig } from '@airlock/core';
import {
  AgentMetrics,
  Readiness,
  spoolWritable,
  startOperationsListener,
  startTracing,
  type OperationsListener,
} from '@airlock/operations';
import { trimHeapWhenQuiet } from '@airlock/recording/memory';
import type { SpoolIo } from '@airlock/recording/spool';
import { TunnelClient } from '@airlock/tunnel';
import { agentSpoolDir, startAgentRecording } from './agent-recording.js';
import { loadKeyedHash } from './masking/hash-key.js';
import { createAgent, type Agent, type CreateAgentOptions, type TunnelFactory } from './agent.js';

export interface StartAgentOptions extends Omit<
  CreateAgentOptions,
  'tunnelFactory' | 'recording' | 'metrics' | 'tracer'
> {
  /** Reported to gateways in the hello (`airlock agents list`). */
  readonly version: string;
  /**
   * The `recording` section: when given and enabled (and no `recorder` is), the agent records
   * every message into its spool and delivers it to the gateway (and Kinesis). The CLI always
   * passes it; leaving it out records nothing (tests of other concerns).
   */
  readonly recording?: RecordingConfig;
  /** Test hook: the spool's file system (e.g. one that reports a full disk). */
  readonly spoolIo?: SpoolIo;
  /** Called each time a tunnel to a gateway is up (the gateway then routes sessions here). */
  readonly onConnected?: (gateway: { readonly address: string; readonly gatewayId: string }) => void;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read agent.gateways[].caFile (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Point it at the PEM of the CA that signed the gateway's certificate.`,
      { cause },
    );
  }
}

/** Dials every configured gateway with a real gRPC tunnel client. */
export function grpcTunnelFactory(
  version: string,
  onConnected?: StartAgentOptions['onConnected'],
  metrics?: AgentMetrics,
): TunnelFactory {
  return (options, onSession) => {
    let connections = 0;
    const { gateway } = options;
    const client = new TunnelClient({
      address: gateway.address,
      tls: {
        ...(gateway.caFile ? { ca: readCa(gateway.caFile) } : {}),
        ...(gateway.serverName ? { serverName: gateway.serverName } : {}),
      },
      agentId: options.agentId,
      token: options.token,
      version,
      connections: options.connections.map((c) => ({ ...c, eras: [...c.eras] })),
      logger: options.logger,
      onSession,
      heartbeatIntervalMs: options.heartbeatSeconds * 1000,
      maxMessageBytes: options.maxMessageBytes,
      reconnect: options.reconnect,
    });
    client.on('connected', ({ gatewayId }) => {
      connections += 1;
      if (connections > 1) metrics?.reconnected(gateway.address);
      onConnected?.({ address: gateway.address, gatewayId });
    });
    client.on('disconnected', (reason, wasConnected) => {
      if (!wasConnected) return;
      // A stop (Ctrl-C, shutdown) closes the tunnel on purpose: no warning, no reconnect.
      if (client.state === 'stopped') {
        options.logger.debug({ gateway: gateway.address }, 'left the gateway: the agent is stopping');
        return;
      }
      options.logger.warn(
        { gateway: gateway.address, reason: reason.message },
        'lost the gateway; reconnecting',
      );
    });
    client.start();
    return {
      close: () => client.stop(),
      get connected() {
        return client.state === 'connected';
      },
      record: (records, signal) => client.record(records, signal),
    };
  };
}

/** A started agent, with what operators see of it. */
export interface RunningAgent extends Agent {
  /** The operations listener (`agent.operations`), when configured. */
  readonly operations: OperationsListener | undefined;
  readonly readiness: Readiness;
  /**
   * Turns unready, then stops, giving calls in flight up to `graceMs` (default 0: at once; the
   * CLI passes `agent.shutdown.graceSeconds` on SIGTERM).
   */
  stop(graceMs?: number): Promise<void>;
}

/** The agent composition root with real tunnels: connectors, credentials, one tunnel per gateway. */
export async function startAgent(config: AgentConfig, options: StartAgentOptions): Promise<RunningAgent> {
  const { version, recording: recordingConfig, spoolIo, onConnected, ...rest } = options;
  // Metrics only where something scrapes them; tracing only where it is configured (lazy SDK).
  const metrics = config.operations ? new AgentMetrics() : undefined;
  const tracer = await startTracing(config.telemetry.tracing, 'airlock-agent', options.logger);
  // Before anything starts, so a bad key file stops the agent with nothing to clean up.
  const keyedHash = rest.keyedHash ?? (await loadKeyedHash(config.masking.hashKeyFile));
  // The spool's pumps start before the agent exists: until then the gateway sink reports "not yet".
  const started: { agent?: Agent } = {};
  const recording =
    recordingConfig?.enabled && rest.recorder === undefined
      ? await startAgentRecording(
          config,
          recordingConfig,
          (records, signal) =>
            started.agent
              ? started.agent.recordToGateway(records, signal)
              : Promise.reject(new AirlockError('tunnel_closed', 'the agent is starting')),
          options.logger.child({ agentId: config.id }),
          spoolIo,
        )
      : undefined;
  const agent = createAgent(config, {
    ...rest,
    keyedHash,
    tunnelFactory: grpcTunnelFactory(version, onConnected, metrics),
    metrics,
    tracer,
    ...(recording
      ? {
          recorder: recording.recorder,
          recording,
          modernSessionIdleMs: (recordingConfig?.modernSessionIdleSeconds ?? 300) * 1000,
        }
      : {}),
  });
  started.agent = agent;
  const readiness = new Readiness().add('tunnel', () =>
    agent.gatewaysConnected > 0
      ? undefined
      : 'no tunnel to a gateway is up: check agent.gateways, the token and the network path to the gateway',
  );
  if (recording && recordingConfig)
    readiness.add('spool', spoolWritable(agentSpoolDir(config, recordingConfig)));
  metrics?.observe({
    activeSessions: () => agent.activeSessions,
    gatewaysConnected: () => agent.gatewaysConnected,
    recording: () => recording,
  });
  let operations: OperationsListener | undefined;
  // A quiet agent gives back the young generation its busy spells grew, and a large message's copies.
  const stopHeapTrim = trimHeapWhenQuiet();
  try {
    await agent.start();
    if (config.operations) {
      operations = await startOperationsListener({
        host: config.operations.listen.host,
        port: config.operations.listen.port,
        registry: metrics!.registry,
        readiness,
        health: () => ({ role: 'agent', agentId: config.id }),
      });
      options.logger.info({ url: operations.url }, 'agent operations listener (metrics, health, readiness)');
    }
  } catch (error) {
    stopHeapTrim();
    await agent.stop();
    await tracer?.shutdown();
    throw error;
  }
  return {
    handleSession: agent.handleSession,
    recordToGateway: (records, signal) => agent.recordToGateway(records, signal),
    start: () => agent.start(),
    get activeSessions() {
      return agent.activeSessions;
    },
    get callsInFlight() {
      return agent.callsInFlight;
    },
    get gatewaysConnected() {
      return agent.gatewaysConnected;
    },
    get stopping() {
      return agent.stopping;
    },
    operations,
    readiness,
    async stop(grace = 0) {
      readiness.stopping();
      stopHeapTrim();
      await agent.stop(grace);
      await operations?.close();
      await tracer?.shutdown().catch(() => undefined);
    },
  };
}
