import type { AccessGrantStore } from '../access/access-grant-store.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import type { ChangeFeedStore } from '../changes/change-feed-store.js';
import type { ConsoleSessionStore } from '../console/console-session-store.js';
import type { ToolPinStore } from '../pins/tool-pin-store.js';
import type { RecordingEvent, RecordingSource } from '@airlock/core';
import type { MessageIndexing } from './message-search.js';

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
  /**
   * The client's name as it introduced itself (`initialize`'s clientInfo, or the 2026-era
   * `_meta` clientInfo); undefined when none was recorded (or the session predates migration 7).
   */
  readonly clientName: string | undefined;
  /** Values masked: the larger of the gateway's and the agent's record's sums (each counted once). */
  readonly maskedCount: number;
  /** Messages the gateway refused (access rule, guardrail, pinning). */
  readonly deniedCount: number;
  /** Calls held for approval. */
  readonly heldCount: number;
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
  /**
   * Words that one recorded JSON-RPC message of the session holds (whole words, any case,
   * punctuation ignored; neighbouring query words next to each other): see search-terms.ts.
   */
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

/** Where an event sits in a session's read order: by source, then seq, then event id. */
export interface EventPosition {
  readonly source: RecordingSource;
  readonly seq: number;
  /**
   * The tiebreaker: seq is not unique within a source when a second event claimed it (the store
   * keeps both so that verification can report the duplicate), so a position needs the id too.
   */
  readonly id: string;
}

export interface EventQuery {
  readonly source?: RecordingSource | undefined;
  /** Only events after this position (exclusive): the `next` of the previous page. */
  readonly after?: EventPosition | undefined;
  /**
   * At most this many events, 1..MAX_EVENT_PAGE_SIZE. Without it `getEvents` returns every
   * remaining event of the session at once; prefer `getEventPage` (or `eventPages`) for anything
   * that may be large.
   */
  readonly limit?: number | undefined;
  /**
   * Stop the page once its stored text (envelope plus message) would exceed this many bytes; the
   * first event is always included, however large. Default with a `limit`: DEFAULT_EVENT_PAGE_BYTES.
   */
  readonly maxBytes?: number | undefined;
}

export interface EventPageQuery extends EventQuery {
  readonly limit: number;
}

export interface EventPage {
  /** Ordered by source, then seq, then event id. */
  readonly events: RecordingEvent[];
  /** The position to continue after; undefined on the last page. */
  readonly next: EventPosition | undefined;
}

export interface PurgeResult {
  readonly sessions: number;
  readonly events: number;
}

export const MAX_SESSION_PAGE_SIZE = 500;

/** The most events one page may hold. */
export const MAX_EVENT_PAGE_SIZE = 1000;

/**
 * A page's byte budget when the caller sets none. A single message may be 20 MiB, so a page of
 * even 500 events could otherwise hold gigabytes; 8 MiB keeps a page (and its JSON answer) small
 * while a page of ordinary events still reaches its count limit first.
 */
export const DEFAULT_EVENT_PAGE_BYTES = 8 * 1024 * 1024;

/**
 * Where recorded events rest: PGlite embedded or a shared PostgreSQL, one schema, one SQL dialect.
 * The store filters; deciding who may see which session is the HTTP API's job.
 */
export interface RecordingStore
  extends ToolPinStore, AccessGrantStore, ApprovalStore, ConsoleSessionStore, ChangeFeedStore {
  /** Applies pending migrations; safe to call from several gateways at once. */
  migrate(): Promise<void>;
  /**
   * Stores a batch in one transaction. Idempotent by event id (delivery is at-least-once): an event
   * already stored is skipped and does not count twice in its session. Returns how many were new.
   */
  insertEvents(events: readonly RecordingEvent[]): Promise<{ readonly inserted: number }>;
  /**
   * Stores a batch an agent sent over its tunnel, as the JSON bytes it sent: parsed, and refused
   * whole (`invalid_request`) unless every event is that agent's own (parseAgentEvents), then
   * stored as insertEvents stores. The embedded store parses in its own thread, so a large event
   * neither stalls the relay nor is copied through it as a string.
   */
  insertAgentEvents(agentId: string, payloads: readonly Uint8Array[]): Promise<{ readonly inserted: number }>;
  /**
   * Stores this gateway's own spooled events as their JSON bytes (parseSpooledEvents), as
   * insertEvents stores: the embedded store parses them in its thread, so a large event read back
   * from the spool is neither parsed nor copied on the relay's thread.
   */
  insertSpooledEvents(payloads: readonly Uint8Array[]): Promise<{ readonly inserted: number }>;
  listSessions(filter: SessionFilter): Promise<SessionPage>;
  /**
   * The session, or undefined when unknown or (with `subject`) not that subject's: the API passes
   * the caller's subject so that someone else's session is never read, not read and then hidden.
   */
  getSession(id: string, scope?: SessionScope): Promise<SessionSummary | undefined>;
  /**
   * The session's events as recorded, ordered by source, then seq, then event id. Without a
   * `limit` this is every (remaining) event at once: for small sessions and tests.
   */
  getEvents(sessionId: string, query?: EventQuery): Promise<RecordingEvent[]>;
  /**
   * One page of the session's events in the same order, bounded by `limit` and `maxBytes`, with
   * the position to continue after (keyset paging: pages stay correct while events arrive).
   */
  getEventPage(sessionId: string, query: EventPageQuery): Promise<EventPage>;
  /**
   * Gives text-search terms to messages stored before the store had them (store migration 9),
   * in batches, until none is left; safe to run on several gateways at once (they split the
   * work). Until it has run, those older sessions are not found by `text`.
   */
  indexStoredMessages(): Promise<MessageIndexing>;
  /** Deletes whole sessions whose last event is older than `cutoff`, with all their events. */
  purgeOlderThan(cutoff: Date): Promise<PurgeResult>;
  close(): Promise<void>;
}
