import { readFileSync } from 'node:fs';
import { AirlockError, type AgentConfig } from '@airlock/core';
import { TunnelClient } from '@airlock/tunnel';
import { createAgent, type Agent, type CreateAgentOptions, type TunnelFactory } from './agent.js';

export interface StartAgentOptions extends Omit<CreateAgentOptions, 'tunnelFactory'> {
  /** Reported to gateways in the hello (`airlock agents list`). */
  readonly version: string;
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
export function grpcTunnelFactory(version: string): TunnelFactory {
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
    client.on('connected', ({ gatewayId }) =>
      options.logger.info({ gateway: gateway.address, gatewayId }, 'connected to gateway'),
    );
    client.on('disconnected', (reason, wasConnected) => {
      if (wasConnected)
        options.logger.warn(
          { gateway: gateway.address, reason: reason.message },
          'lost the gateway; reconnecting',
        );
    });
    client.start();
    return { close: () => client.stop() };
  };
}

/** The agent composition root with real tunnels: connectors, credentials, one tunnel per gateway. */
export async function startAgent(config: AgentConfig, options: StartAgentOptions): Promise<Agent> {
  const { version, ...rest } = options;
  const agent = createAgent(config, { ...rest, tunnelFactory: grpcTunnelFactory(version) });
  await agent.start();
  return agent;
}
