import type { RecordingEvent, RecordingSource } from '@airlock/core';

/** `open` until a `session_end` arrives; `failed` when the end reason is not a normal one. */
export type SessionStatus = 'open' | 'ended' | 'failed';

/** One row of `recording_sessions`: what the store derives from a session's events. */
export interface SessionSummary {
  readonly id: string;
  readonly subject: string;
  readonly email: string | undefined;
  readonly groups: readonly string[];
  readonly connection: string;
  readonly era: string;
  readonly protocolVersion: string;
  readonly gatewayId: string | undefined;
  readonly agentId: string | undefined;
  /** Time of the earliest event stored for the session (ISO-8601, UTC). */
  readonly startedAt: string;
  /** Time of the latest event stored for the session. */
  readonly lastEventAt: string;
  /** Time of the authoritative `session_end` (the gateway's, else the agent's). */
  readonly endedAt: string | undefined;
  readonly status: SessionStatus;
  readonly endReason: string | undefined;
  readonly endCode: string | undefined;
  /** Distinct tool names of `tools/call` requests, sorted. */
  readonly tools: readonly string[];
  readonly eventCount: number;
  readonly gatewayMessageCount: number;
  readonly agentMessageCount: number;
  readonly warningCount: number;
}

export interface SessionFilter {
  readonly subject?: string | undefined;
  readonly connection?: string | undefined;
  /** Sessions active at or after this time (last event ≥ from). */
  readonly from?: Date | undefined;
  /** Sessions that began before this time (first event < to). */
  readonly to?: Date | undefined;
  /** Sessions that called this tool (exact name). */
  readonly tool?: string | undefined;
  readonly status?: SessionStatus | undefined;
  /** Case-insensitive substring of any recorded JSON-RPC message of the session. */
  readonly text?: string | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
  /** Page size, 1..MAX_SESSION_PAGE_SIZE. */
  readonly limit: number;
}

export interface SessionPage {
  /** Newest first: ordered by (startedAt, id) descending. */
  readonly sessions: readonly SessionSummary[];
  /** Present when another page may follow. */
  readonly nextCursor: string | undefined;
}

export interface SessionScope {
  /** Only a session of this subject. */
  readonly subject?: string | undefined;
}

export interface EventQuery {
  readonly source?: RecordingSource | undefined;
}

export interface PurgeResult {
  readonly sessions: number;
  readonly events: number;
}

export const MAX_SESSION_PAGE_SIZE = 500;

/**
 * Where recorded events rest: PGlite embedded or a shared PostgreSQL, one schema, one SQL dialect.
 * The store filters; deciding who may see which session is the HTTP API's job.
 */
export interface RecordingStore {
  /** Applies pending migrations; safe to call from several gateways at once. */
  migrate(): Promise<void>;
  /**
   * Stores a batch in one transaction. Idempotent by event id (delivery is at-least-once): an event
   * already stored is skipped and does not count twice in its session. Returns how many were new.
   */
  insertEvents(events: readonly RecordingEvent[]): Promise<{ readonly inserted: number }>;
  listSessions(filter: SessionFilter): Promise<SessionPage>;
  /**
   * The session, or undefined when unknown or (with `subject`) not that subject's: the API passes
   * the caller's subject so that someone else's session is never read, not read and then hidden.
   */
  getSession(id: string, scope?: SessionScope): Promise<SessionSummary | undefined>;
  /** The session's events as recorded, ordered by source then seq. */
  getEvents(sessionId: string, query?: EventQuery): Promise<RecordingEvent[]>;
  /** Deletes whole sessions whose last event is older than `cutoff`, with all their events. */
  purgeOlderThan(cutoff: Date): Promise<PurgeResult>;
  close(): Promise<void>;
}
