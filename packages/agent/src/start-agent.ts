import { readFileSync } from 'node:fs';
import { AirlockError, type AgentConfig, type RecordingConfig } from '@airlock/core';
import type { SpoolIo } from '@airlock/recording';
import { TunnelClient } from '@airlock/tunnel';
import { startAgentRecording } from './agent-recording.js';
import { loadKeyedHash } from './masking/hash-key.js';
import { createAgent, type Agent, type CreateAgentOptions, type TunnelFactory } from './agent.js';

export interface StartAgentOptions extends Omit<CreateAgentOptions, 'tunnelFactory' | 'recording'> {
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
): TunnelFactory {
  return (options, onSession) => {
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
      reconnect: options.reconnect,
    });
    client.on('connected', ({ gatewayId }) => {
      options.logger.info({ gateway: gateway.address, gatewayId }, 'connected to gateway');
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
      record: (events, signal) => client.record(events, signal),
    };
  };
}

/** The agent composition root with real tunnels: connectors, credentials, one tunnel per gateway. */
export async function startAgent(config: AgentConfig, options: StartAgentOptions): Promise<Agent> {
  const { version, recording: recordingConfig, spoolIo, onConnected, ...rest } = options;
  // Before anything starts, so a bad key file stops the agent with nothing to clean up.
  const keyedHash = rest.keyedHash ?? (await loadKeyedHash(config.masking.hashKeyFile));
  // The spool's pumps start before the agent exists: until then the gateway sink reports "not yet".
  const started: { agent?: Agent } = {};
  const recording =
    recordingConfig?.enabled && rest.recorder === undefined
      ? await startAgentRecording(
          config,
          recordingConfig,
          (events, signal) =>
            started.agent
              ? started.agent.recordToGateway(events, signal)
              : Promise.reject(new AirlockError('tunnel_closed', 'the agent is starting')),
          options.logger.child({ agentId: config.id }),
          spoolIo,
        )
      : undefined;
  const agent = createAgent(config, {
    ...rest,
    keyedHash,
    tunnelFactory: grpcTunnelFactory(version, onConnected),
    ...(recording
      ? {
          recorder: recording.recorder,
          recording,
          modernSessionIdleMs: (recordingConfig?.modernSessionIdleSeconds ?? 300) * 1000,
        }
      : {}),
  });
  started.agent = agent;
  try {
    await agent.start();
  } catch (error) {
    await recording?.close(0);
    throw error;
  }
  return agent;
}
