import type { ConnectionEra } from '@airlock/core';
import type { ConnectionTransport } from '../proto/wire-mapping.js';
import type { AgentStatus, ConnectedAgent } from './connected-agent.js';

/** What the gateway knows about a connection from the agents that serve it. */
export interface ConnectionAvailability {
  readonly transport: ConnectionTransport;
  readonly eras: readonly ConnectionEra[];
}

/** The agents connected to this gateway, one (the newest) per agent id. */
export class AgentRegistry {
  readonly #agents = new Map<string, ConnectedAgent>();

  get(id: string): ConnectedAgent | undefined {
    return this.#agents.get(id);
  }

  register(agent: ConnectedAgent): void {
    this.#agents.set(agent.id, agent);
  }

  /** Removes the agent if it is still the current one for its id (a replaced one may close late). */
  unregister(agent: ConnectedAgent): boolean {
    if (this.#agents.get(agent.id) !== agent) return false;
    this.#agents.delete(agent.id);
    return true;
  }

  all(): ConnectedAgent[] {
    return [...this.#agents.values()];
  }

  statuses(): AgentStatus[] {
    return this.all().map((agent) => agent.status());
  }

  /** The least busy agent serving `connection` (sessions open plus being opened), if any. */
  pick(connection: string): ConnectedAgent | undefined {
    let best: ConnectedAgent | undefined;
    for (const agent of this.#agents.values()) {
      if (agent.closed || !agent.serves(connection)) continue;
      if (!best || load(agent) < load(best)) best = agent;
    }
    return best;
  }

  connection(name: string): ConnectionAvailability | undefined {
    let transport: ConnectionTransport | undefined;
    const eras = new Set<ConnectionEra>();
    for (const agent of this.#agents.values()) {
      const announced = agent.connections.find((c) => c.name === name);
      if (!announced) continue;
      transport ??= announced.transport;
      for (const era of announced.eras) eras.add(era);
    }
    return transport ? { transport, eras: [...eras] } : undefined;
  }
}

function load(agent: ConnectedAgent): number {
  return agent.activeSessions + agent.openingSessions;
}
