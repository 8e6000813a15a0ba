import { AirlockError, childLogger, type AgentEnrollmentSource } from '@airlock/core';
import {
  EnrolledAgentAuthenticator,
  generateAgentToken,
  hashAgentToken,
  type AgentAuthenticator,
  type AgentIdentity,
  type EnrolledAgent,
} from '@airlock/tunnel';
import type { Logger } from 'pino';
import type { EnrollmentRecord } from './enrollment-file.js';
import type { EnrollmentSource } from './enrollment-source.js';

/** An agent the gateway knows, from either source, as the admin API lists it. */
export interface KnownAgent {
  readonly id: string;
  readonly source: AgentEnrollmentSource;
  readonly connections: readonly string[];
  readonly createdAt?: string;
  readonly createdBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

/** Called when an agent must be cut off now: revoked, removed, or re-enrolled with a new token. */
export type CutOffAgent = (id: string, reason: string) => void;

/**
 * Who may connect as an agent: the static `gateway.agents` from the configuration plus the agents
 * enrolled with `airlock agents create` (the enrollment file, or the shared store when it is
 * PostgreSQL). Static agents cannot be revoked
 * through the API; remove them from the configuration instead. The tunnel asks on every call
 * (control and session streams), so a revocation refuses the agent's next call at once; the
 * `cutOff` callback ends what is already connected.
 */
export class AgentEnrollment implements AgentAuthenticator {
  readonly #static: EnrolledAgentAuthenticator;
  readonly #staticAgents: ReadonlyMap<string, EnrolledAgent>;
  readonly #file: EnrollmentSource | undefined;
  readonly #logger: Logger;
  #enrolled: EnrolledAgentAuthenticator;
  /** Active (not revoked) file enrollments, to tell what changed when the file does. */
  #active = new Map<string, EnrollmentRecord>();
  #cutOff: CutOffAgent = () => undefined;

  constructor(staticAgents: readonly EnrolledAgent[], file: EnrollmentSource | undefined, logger: Logger) {
    this.#static = new EnrolledAgentAuthenticator(staticAgents);
    this.#staticAgents = new Map(staticAgents.map((a) => [a.id, a]));
    this.#file = file;
    this.#logger = childLogger(logger, { component: 'agent-enrollment' });
    this.#enrolled = new EnrolledAgentAuthenticator([]);
    this.#apply(file?.records ?? []);
    file?.watch((records) => this.#apply(records));
  }

  /** Wires the tunnel in: how to end an agent's connection when its enrollment goes. */
  onCutOff(cutOff: CutOffAgent): void {
    this.#cutOff = cutOff;
  }

  /** The enrollment file, when this gateway keeps one (`gateway.dataDir` or `gateway.enrollment.file`). */
  get file(): string | undefined {
    return this.#file?.path;
  }

  authenticate(agentId: string, token: string): AgentIdentity | undefined {
    // A config agent's id is never looked up in the file: the configuration wins.
    return this.#staticAgents.has(agentId)
      ? this.#static.authenticate(agentId, token)
      : this.#enrolled.authenticate(agentId, token);
  }

  known(): KnownAgent[] {
    const agents: KnownAgent[] = [...this.#staticAgents.values()].map((a) => ({
      id: a.id,
      source: 'config',
      connections: [...(a.connections ?? [])],
    }));
    for (const record of this.#file?.records ?? []) {
      if (this.#staticAgents.has(record.id)) continue;
      agents.push({
        id: record.id,
        source: 'enrollment',
        connections: record.connections,
        createdAt: record.createdAt,
        createdBy: record.createdBy,
        ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
        ...(record.revokedBy === undefined ? {} : { revokedBy: record.revokedBy }),
      });
    }
    return agents.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Enrolls a new agent and returns its token: the only copy, never stored or logged. A revoked
   * name may be enrolled again (with a new token); an active one may not.
   */
  async enroll(name: string, connections: readonly string[], createdBy: string): Promise<string> {
    const file = this.#requireFile();
    if (this.#staticAgents.has(name)) {
      throw new AirlockError(
        'agent_exists',
        `Agent "${name}" is enrolled in the gateway configuration (gateway.agents); pick another name, or remove it from the configuration first.`,
      );
    }
    const token = generateAgentToken();
    await file.update((records) => {
      const index = records.findIndex((r) => r.id === name);
      if (index >= 0 && records[index]?.revokedAt === undefined) {
        throw new AirlockError(
          'agent_exists',
          `Agent "${name}" is already enrolled. Revoke it first ("airlock agents revoke ${name}") to issue a new token, or pick another name.`,
        );
      }
      const record: EnrollmentRecord = {
        id: name,
        tokenSha256: hashAgentToken(token),
        connections: [...new Set(connections)],
        createdAt: new Date().toISOString(),
        createdBy,
      };
      if (index >= 0) records.splice(index, 1, record);
      else records.push(record);
    });
    this.#apply(file.records);
    this.#logger.info({ agentId: name, connections, createdBy }, 'agent enrolled');
    return token;
  }

  /** Revokes an agent: its calls are refused from now on and its connection is cut. */
  async revoke(name: string, revokedBy: string): Promise<void> {
    if (this.#staticAgents.has(name)) {
      throw new AirlockError(
        'agent_exists',
        `Agent "${name}" is enrolled in the gateway configuration (gateway.agents), not by "airlock agents create"; remove it from the configuration and restart the gateway to revoke it.`,
      );
    }
    const file = this.#requireFile();
    await file.update((records) => {
      const record = records.find((r) => r.id === name);
      if (!record) {
        throw new AirlockError(
          'agent_not_found',
          `No agent named "${name}" is enrolled on this gateway; "airlock agents list" shows the enrolled agents.`,
        );
      }
      // Revoking twice is not an error: the agent is cut off either way; keep the first record.
      if (record.revokedAt !== undefined) return;
      record.revokedAt = new Date().toISOString();
      record.revokedBy = revokedBy;
    });
    this.#apply(file.records);
    this.#logger.info({ agentId: name, revokedBy }, 'agent revoked');
  }

  close(): void {
    this.#file?.close();
  }

  #requireFile(): EnrollmentSource {
    if (this.#file) return this.#file;
    throw new AirlockError(
      'enrollment_unavailable',
      'This gateway keeps no enrollment file, so it cannot enroll or revoke agents. Set gateway.dataDir (or gateway.enrollment.file) in its configuration and restart it; until then enroll agents under gateway.agents.',
    );
  }

  /** Adopts the file's records, then cuts off every agent whose enrollment went or changed. */
  #apply(records: readonly EnrollmentRecord[]): void {
    const active = new Map<string, EnrollmentRecord>();
    for (const record of records) {
      if (record.revokedAt !== undefined || this.#staticAgents.has(record.id)) continue;
      active.set(record.id, record);
    }
    this.#enrolled = new EnrolledAgentAuthenticator(
      [...active.values()].map((r) => ({ id: r.id, tokenSha256: r.tokenSha256, connections: r.connections })),
    );
    const before = this.#active;
    this.#active = active;
    for (const [id, previous] of before) {
      const now = active.get(id);
      if (now === undefined) {
        this.#cutOff(id, `agent "${id}" was revoked`);
      } else if (
        now.tokenSha256 !== previous.tokenSha256 ||
        now.connections.join('\n') !== previous.connections.join('\n')
      ) {
        this.#cutOff(id, `the enrollment of agent "${id}" changed; reconnect with its current token`);
      }
    }
  }
}
