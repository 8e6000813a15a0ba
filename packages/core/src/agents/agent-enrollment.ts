import { z } from 'zod';

/**
 * The admin API's contract for agents (`/api/v1/agents`), shared by the gateway that serves it and
 * the CLI that calls it, so both parse the same shapes.
 */

/** An agent name as `airlock agents create` takes it: it becomes the agent's `agent.id`. */
export const agentNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    'an agent name is 1-63 lower-case letters, digits, ".", "-" or "_", starting with a letter or digit',
  );

const connectionNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a connection name is 1-63 lower-case letters, digits, "-" or "_"');

/** `POST /api/v1/agents`. At least one connection: an enrolled agent serves only what it is enrolled for. */
export const enrollAgentRequestSchema = z.strictObject({
  name: agentNameSchema,
  connections: z
    .array(connectionNameSchema)
    .min(1, 'name at least one connection the agent may serve')
    .max(256),
});

export type EnrollAgentRequest = z.infer<typeof enrollAgentRequestSchema>;

/** The answer to `POST /api/v1/agents`: the only time the token is ever shown. */
export interface EnrollAgentResponse {
  readonly name: string;
  readonly token: string;
  readonly connections: readonly string[];
}

/** Where an agent's enrollment lives: the config file (static) or the enrollment file (CLI-managed). */
export type AgentEnrollmentSource = 'config' | 'enrollment';

/** One agent as `GET /api/v1/agents` lists it. Times are ISO 8601. */
export interface AgentView {
  readonly name: string;
  readonly source: AgentEnrollmentSource;
  /** Connections it may serve; empty = any it announces (only possible for config agents). */
  readonly enrolledConnections: readonly string[];
  readonly connected: boolean;
  /** Set while connected (or since it was last connected to this gateway). */
  readonly version?: string;
  /** The connections it serves now: announced and enrolled. */
  readonly connections: readonly string[];
  readonly activeSessions: number;
  readonly connectedAt?: string;
  /** The last time this gateway heard from it (kept in memory: empty after a gateway restart). */
  readonly lastSeenAt?: string;
  readonly createdAt?: string;
  readonly createdBy?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

export interface ListAgentsResponse {
  readonly gatewayId: string;
  readonly agents: readonly AgentView[];
}
