import type { AgentView } from '@airlock/core';
import type { AgentStatus, TunnelServer } from '@airlock/tunnel';
import type { KnownAgent } from './agent-enrollment.js';

interface Sighting {
  readonly version: string;
  readonly lastSeenAt: Date;
}

/**
 * Remembers, per agent id, the version and last-heard time of agents that disconnected from this
 * gateway, so the list can say when a gone agent was last seen. In memory only (lost on restart):
 * durable agent history comes with the recording store.
 */
export class AgentSightings {
  readonly #seen = new Map<string, Sighting>();

  constructor(tunnel: Pick<TunnelServer, 'on'>) {
    tunnel.on('agentDisconnected', (status) => {
      this.#seen.set(status.id, { version: status.version, lastSeenAt: status.lastSeenAt });
    });
  }

  get(id: string): Sighting | undefined {
    return this.#seen.get(id);
  }
}

/** Every agent this gateway knows (enrolled) or sees (connected), as `airlock agents list` shows it. */
export function agentViews(
  known: readonly KnownAgent[],
  connected: readonly AgentStatus[],
  sightings: AgentSightings,
): AgentView[] {
  const online = new Map(connected.map((s) => [s.id, s]));
  return known.map((agent): AgentView => {
    const status = agent.revokedAt === undefined ? online.get(agent.id) : undefined;
    const seen = sightings.get(agent.id);
    const lastSeenAt = status?.lastSeenAt ?? seen?.lastSeenAt;
    const version = status?.version ?? seen?.version;
    return {
      name: agent.id,
      source: agent.source,
      enrolledConnections: agent.connections,
      connected: status !== undefined,
      ...(version === undefined ? {} : { version }),
      connections: status ? status.connections.map((c) => c.name) : [],
      activeSessions: status?.activeSessions ?? 0,
      ...(status ? { connectedAt: status.connectedAt.toISOString() } : {}),
      ...(lastSeenAt === undefined ? {} : { lastSeenAt: lastSeenAt.toISOString() }),
      ...(agent.createdAt === undefined ? {} : { createdAt: agent.createdAt }),
      ...(agent.createdBy === undefined ? {} : { createdBy: agent.createdBy }),
      ...(agent.revokedAt === undefined ? {} : { revokedAt: agent.revokedAt }),
      ...(agent.revokedBy === undefined ? {} : { revokedBy: agent.revokedBy }),
    };
  });
}
