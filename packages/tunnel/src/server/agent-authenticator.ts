import { timingSafeEqual } from 'node:crypto';
import { hashAgentToken } from '../auth/agent-token.js';

/** An agent the gateway accepted, and what it may serve. */
export interface AgentIdentity {
  readonly id: string;
  /** Connections the agent may serve; empty = any it announces. */
  readonly connections: readonly string[];
}

/** Decides whether an agent's token is good. Must not log or keep the token. */
export interface AgentAuthenticator {
  authenticate(agentId: string, token: string): AgentIdentity | undefined;
}

/** One enrolled agent, as configured under `gateway.agents`. */
export interface EnrolledAgent {
  readonly id: string;
  /** SHA-256 (hex) of the agent's token; the gateway never stores the token itself. */
  readonly tokenSha256: string;
  readonly connections?: readonly string[] | undefined;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The default authenticator: agents enrolled by id with the SHA-256 of their token. */
export class EnrolledAgentAuthenticator implements AgentAuthenticator {
  readonly #agents = new Map<string, { digest: Buffer; identity: AgentIdentity }>();
  /** Compared against when the id is unknown, so an unknown id costs the same as a wrong token. */
  readonly #decoy = Buffer.alloc(32);

  constructor(agents: readonly EnrolledAgent[]) {
    for (const agent of agents) {
      const digest = agent.tokenSha256.toLowerCase();
      if (!SHA256_HEX.test(digest)) {
        throw new Error(`gateway.agents: the tokenSha256 of agent "${agent.id}" is not 64 hex digits`);
      }
      if (this.#agents.has(agent.id))
        throw new Error(`gateway.agents: agent "${agent.id}" is enrolled twice`);
      this.#agents.set(agent.id, {
        digest: Buffer.from(digest, 'hex'),
        identity: Object.freeze({ id: agent.id, connections: Object.freeze([...(agent.connections ?? [])]) }),
      });
    }
  }

  authenticate(agentId: string, token: string): AgentIdentity | undefined {
    const entry = this.#agents.get(agentId);
    const presented = Buffer.from(hashAgentToken(token), 'hex');
    const matches = timingSafeEqual(presented, entry?.digest ?? this.#decoy);
    return entry && matches && token.length > 0 ? entry.identity : undefined;
  }
}
