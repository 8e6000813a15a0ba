import type {
  ApprovalFilter,
  ApprovalPage,
  ApprovalRecord,
  HeldCallRequest,
  HoldResult,
} from '../approvals/approval-store.js';
import { parseAgentEvents, parseSpooledEvents } from './agent-events.js';
import { SqlApprovals } from '../approvals/sql-approvals.js';
import type { ConsoleRecordKind } from '../console/console-session-store.js';
import { SqlConsoleSessions } from '../console/sql-console-sessions.js';
import { SqlToolPins } from '../pins/sql-tool-pins.js';
import { SqlAccessGrants } from '../access/sql-access-grants.js';
import type {
  AccessDecision,
  AccessGrant,
  AccessGrantFilter,
  AccessRequest,
} from '../access/access-grant-store.js';
import type { ToolPin, ToolSighting, ToolSightingResult } from '../pins/tool-pin-store.js';
import { AirlockError, type ApprovalVote, type RecordingEvent } from '@airlock/core';
import { SessionKeyRing, type SessionKeyStore, type StoredSessionKey } from '../crypto/session-key-ring.js';
import type { KeyWrapper } from '../crypto/key-wrapper.js';
import { eventPageQuery, pageContinues, type EventPageRow } from './event-page-query.js';
import { toEventRow, type EventRow } from './event-row.js';
import { encryptRows, readEventColumns } from './message-encryption.js';
import { MIGRATIONS } from './migrations.js';
import { insertMessageParts, joinMessageParts, splitMessage, wholeText } from './message-parts.js';
import {
  DEFAULT_EVENT_PAGE_BYTES,
  MAX_SESSION_PAGE_SIZE,
  type EventPage,
  type EventPageQuery,
  type EventQuery,
  type PurgeResult,
  type RecordingStore,
  type SessionFilter,
  type SessionPage,
  type SessionScope,
  type SessionStatus,
  type SessionSummary,
} from './recording-store.js';
import { runMigrations } from './run-migrations.js';
import { decodeSessionCursor, encodeSessionCursor } from './session-cursor.js';
import { sessionDeltas } from './session-delta.js';
import { UPSERT_SESSIONS, upsertSessionsParam } from './session-upsert.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { deleteSessionKeys, loadSessionKey, saveSessionKeyIfAbsent } from './session-key-table.js';
import { pgParams, pgText } from './pg-text.js';
import { sessionFilterConditions } from './session-filter-sql.js';
import { changedRows } from '../changes/changed-rows.js';
import { MAX_CHANGE_PAGE_SIZE } from '../changes/change-feed-store.js';
import type { ApprovalChangeFilter, ChangePage, SessionChangeFilter } from '../changes/change-feed-store.js';
import type { StopWatching, StoreChange } from '../changes/store-change.js';
import { indexStoredMessages, textSearchCondition, type MessageIndexing } from './message-search.js';
import { TableMaintenance, type TableMaintenanceOptions } from './table-maintenance.js';
import { SearchKeys } from './search-keys.js';
import { IndexedMessages } from './indexed-messages.js';
import { messageValueSearchTerms } from './search-terms.js';

/** Encryption at rest of the `message` column (see message-encryption.ts and the README). */
export interface StoreEncryptionOptions {
  readonly wrapper: KeyWrapper;
  /** Unwrapped session keys cached in memory (default 10 000). */
  readonly maxCachedKeys?: number | undefined;
}

export interface SqlRecordingStoreOptions {
  /** Encrypt messages at rest with one data key per session. */
  readonly encryption?: StoreEncryptionOptions | undefined;
  /**
   * Vacuum and analyze the tables as the store writes (PGlite: it has no autovacuum daemon; see
   * table-maintenance.ts). On PostgreSQL the daemon does it.
   */
  readonly maintainTables?: boolean | TableMaintenanceOptions | undefined;
}

/** How a store hears the change trigger's NOTIFYs (a PGlite listener, a PostgreSQL LISTEN connection). */
export type ChangeWatcher = (onChange: (change: StoreChange) => void) => Promise<StopWatching>;

interface SessionRow {
  id: string;
  subject: string;
  email: string | null;
  groups: string[];
  connection: string;
  era: string;
  protocol_version: string;
  gateway_id: string | null;
  agent_id: string | null;
  started_at: Date;
  last_event_at: Date;
  ended_at: Date | null;
  status: SessionStatus;
  end_reason: string | null;
  end_code: string | null;
  tools: string[];
  event_count: number;
  gateway_message_count: number;
  agent_message_count: number;
  warning_count: number;
  client_name: string | null;
  gateway_masked_count: number;
  agent_masked_count: number;
  denied_count: number;
  held_count: number;
}

const SESSION_COLUMNS = `id, subject, email, groups, connection, era, protocol_version, gateway_id, agent_id,
  started_at, last_event_at, ended_at, status, end_reason, end_code, tools, event_count,
  gateway_message_count, agent_message_count, warning_count, client_name, gateway_masked_count,
  agent_masked_count, denied_count, held_count`;

/**
 * One row for `json_to_recordset`, with the NUL replacement `pgParams` applies to parameters.
 * `envelope` and `message` are JSON.stringify output (or base64 ciphertext): a NUL or a lone
 * surrogate in them is already a `\u` escape, so they go in as they are, unscanned.
 */
/** The search terms of a copy whose twin carries them: none, and not to be indexed later. */
const NO_TERMS: readonly string[] = [];

function jsonRow(
  row: EventRow,
  searchTerms: readonly string[] | null,
  parts: readonly string[] | undefined,
): Record<string, unknown> {
  const text = (value: string | null): string | null => (value === null ? null : pgText(value));
  return {
    id: pgText(row.id),
    session_id: pgText(row.sessionId),
    source: row.source,
    seq: row.seq,
    at: row.at,
    kind: row.kind,
    direction: text(row.direction),
    method: text(row.method),
    tool_name: text(row.toolName),
    envelope: row.envelope,
    message: parts === undefined && row.message !== null ? wholeText(row.message) : null,
    message_parts: parts === undefined ? null : parts.length,
    search_terms: searchTerms,
  };
}

function toSummary(row: SessionRow): SessionSummary {
  return {
    id: row.id,
    subject: row.subject,
    email: row.email ?? undefined,
    groups: row.groups,
    connection: row.connection,
    era: row.era,
    protocolVersion: row.protocol_version,
    gatewayId: row.gateway_id ?? undefined,
    agentId: row.agent_id ?? undefined,
    startedAt: row.started_at.toISOString(),
    lastEventAt: row.last_event_at.toISOString(),
    endedAt: row.ended_at?.toISOString(),
    status: row.status,
    endReason: row.end_reason ?? undefined,
    endCode: row.end_code ?? undefined,
    tools: row.tools,
    eventCount: row.event_count,
    gatewayMessageCount: row.gateway_message_count,
    agentMessageCount: row.agent_message_count,
    warningCount: row.warning_count,
    clientName: row.client_name ?? undefined,
    maskedCount: Math.max(row.gateway_masked_count, row.agent_masked_count),
    deniedCount: row.denied_count,
    heldCount: row.held_count,
  };
}

/**
 * The recording store over any PostgreSQL-speaking client: every query here runs unchanged on
 * PGlite and on PostgreSQL. `PgliteStore` and `PostgresStore` only supply the connection.
 */
export class SqlRecordingStore implements RecordingStore, SessionKeyStore {
  readonly #db: SqlClient;
  readonly #keyRing: SessionKeyRing | undefined;
  readonly #searchKeys: SearchKeys;
  readonly #indexed = new IndexedMessages();
  readonly #maintenance: TableMaintenance | undefined;
  readonly #pins: SqlToolPins;
  readonly #grants: SqlAccessGrants;
  readonly #approvals: SqlApprovals;
  readonly #consoleSessions: SqlConsoleSessions;
  readonly #watcher: ChangeWatcher;

  protected constructor(db: SqlClient, options: SqlRecordingStoreOptions = {}, watcher?: ChangeWatcher) {
    this.#db = db;
    this.#watcher =
      watcher ??
      (() =>
        Promise.reject(
          new AirlockError(
            'recording_unavailable',
            'This store cannot report changes; live updates need PGlite or PostgreSQL.',
          ),
        ));
    this.#pins = new SqlToolPins(db);
    this.#grants = new SqlAccessGrants(db);
    this.#consoleSessions = new SqlConsoleSessions(pgSafe(db));
    const encryption = options.encryption;
    this.#keyRing = encryption
      ? new SessionKeyRing({
          wrapper: encryption.wrapper,
          keys: this,
          maxCachedKeys: encryption.maxCachedKeys,
        })
      : undefined;
    // A held call's arguments and outcome are encrypted with the session's key, like its messages.
    this.#approvals = new SqlApprovals(db, this.#keyRing);
    this.#searchKeys = new SearchKeys(pgSafe(db), encryption?.wrapper);
    const maintain = options.maintainTables;
    this.#maintenance =
      maintain === true || typeof maintain === 'object'
        ? new TableMaintenance(db, maintain === true ? {} : maintain)
        : undefined;
  }

  /** Whether messages are encrypted at rest (a key wrapper is configured). */
  get encrypted(): boolean {
    return this.#keyRing !== undefined;
  }

  loadSessionKey(sessionId: string): Promise<StoredSessionKey | undefined> {
    return loadSessionKey(pgSafe(this.#db), sessionId);
  }

  saveSessionKeyIfAbsent(key: StoredSessionKey): Promise<StoredSessionKey> {
    return saveSessionKeyIfAbsent(pgSafe(this.#db), key);
  }

  /**
   * Crypto-shredding: deletes the session's wrapped data key, so its encrypted messages can never
   * be decrypted again, even from backups or replicas of the events table that outlive a purge.
   * Returns whether the session had a key.
   */
  async shredSessionKey(sessionId: string): Promise<boolean> {
    const deleted = await deleteSessionKeys(pgSafe(this.#db), [sessionId]);
    this.#keyRing?.forget(sessionId);
    // Its words go too: a search must not find (and so reveal the words of) what was shredded.
    await query(this.#db, `UPDATE recording_events SET search_terms = '{}' WHERE session_id = $1`, [
      sessionId,
    ]);
    return deleted > 0;
  }

  toolPins(connection: string): Promise<ToolPin[]> {
    return this.#pins.toolPins(connection);
  }

  recordToolSightings(
    connection: string,
    tools: readonly ToolSighting[],
    at: Date,
  ): Promise<ToolSightingResult> {
    return this.#pins.recordToolSightings(connection, tools, at);
  }

  acceptTools(connection: string, tools: readonly string[] | 'all', by: string, at: Date): Promise<string[]> {
    return this.#pins.acceptTools(connection, tools, by, at);
  }

  requestAccess(request: AccessRequest): Promise<AccessGrant> {
    return this.#grants.requestAccess(request);
  }

  getGrant(id: string): Promise<AccessGrant | undefined> {
    return this.#grants.getGrant(id);
  }

  listGrants(filter: AccessGrantFilter): Promise<AccessGrant[]> {
    return this.#grants.listGrants(filter);
  }

  decideGrant(id: string, decision: AccessDecision, now: Date): Promise<AccessGrant> {
    return this.#grants.decideGrant(id, decision, now);
  }

  revokeGrant(id: string, by: string, reason: string | undefined, now: Date): Promise<AccessGrant> {
    return this.#grants.revokeGrant(id, by, reason, now);
  }

  activeGrants(now: Date): Promise<AccessGrant[]> {
    return this.#grants.activeGrants(now);
  }

  holdCall(request: HeldCallRequest): Promise<HoldResult> {
    return this.#approvals.holdCall(request);
  }

  getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.#approvals.getApproval(id);
  }

  listApprovals(filter: ApprovalFilter): Promise<ApprovalPage> {
    return this.#approvals.listApprovals(filter);
  }

  voteOnApproval(id: string, vote: ApprovalVote, now: Date): Promise<ApprovalRecord> {
    return this.#approvals.voteOnApproval(id, vote, now);
  }

  expireApproval(id: string, now: Date): Promise<ApprovalRecord | undefined> {
    return this.#approvals.expireApproval(id, now);
  }

  claimRelease(id: string, by: string, now: Date): Promise<boolean> {
    return this.#approvals.claimRelease(id, by, now);
  }

  storeOutcome(id: string, outcome: string, now: Date): Promise<void> {
    return this.#approvals.storeOutcome(id, outcome, now);
  }

  saveConsoleRecord(kind: ConsoleRecordKind, key: string, sealed: string, expiresAt: Date): Promise<void> {
    return this.#consoleSessions.saveConsoleRecord(kind, key, sealed, expiresAt);
  }

  loadConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    return this.#consoleSessions.loadConsoleRecord(kind, key);
  }

  takeConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    return this.#consoleSessions.takeConsoleRecord(kind, key);
  }

  async migrate(): Promise<void> {
    await runMigrations(this.#db, MIGRATIONS);
    await this.#maintenance?.ensure();
  }

  /**
   * Gives search terms to the messages stored before text search had them (store migration 9);
   * until it has run, those sessions are not found by `text`. The gateway runs it after start.
   */
  async indexStoredMessages(): Promise<MessageIndexing> {
    const result = await indexStoredMessages(pgSafe(this.#db), this.#searchKeys, this.#keyRing);
    await this.#maintenance?.changed({ events: result.indexed + result.unreadable, sessions: 0 });
    return result;
  }

  async insertAgentEvents(
    agentId: string,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    return this.insertEvents(parseAgentEvents(agentId, payloads));
  }

  async insertSpooledEvents(payloads: readonly Uint8Array[]): Promise<{ readonly inserted: number }> {
    return this.insertEvents(parseSpooledEvents(payloads));
  }

  async insertEvents(events: readonly RecordingEvent[]): Promise<{ readonly inserted: number }> {
    const unique = new Map<string, RecordingEvent>();
    for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);
    if (unique.size === 0) return { inserted: 0 };
    // Sorted by id so concurrent batches take row locks in the same order (no deadlocks).
    const batch = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const plainRows = batch.map(toEventRow);
    const hasher = await this.#searchKeys.writing();
    // A message's second copy (the other side's record of the same bytes) gets no terms of its own,
    // nor do the protocol `_meta` members (a 2026-07-28 client's, in every request) that an earlier
    // message of the session was indexed with.
    const indexedNow = new Set<string>();
    const searchTerms = plainRows.map((row, i) => {
      if (row.message === null) return null;
      const key = this.#indexed.key(row.sessionId, row.message);
      if (indexedNow.has(key) || this.#indexed.has(key)) return NO_TERMS;
      indexedNow.add(key);
      return messageValueSearchTerms(batch[i]?.message, hasher, (membersJson) => {
        const metaKey = this.#indexed.protocolMetaKey(row.sessionId, membersJson);
        if (indexedNow.has(metaKey) || this.#indexed.has(metaKey)) return false;
        indexedNow.add(metaKey);
        return true;
      });
    });
    // Keys are got (and a new session's key saved) before the transaction: the key must exist
    // before any row it sealed, and a saved key for a batch that then fails is harmless.
    const rows = this.#keyRing ? await encryptRows(plainRows, this.#keyRing) : plainRows;
    const parted = rows.map((row) => (row.message === null ? undefined : splitMessage(row.message)));
    const stored = await this.#db.transaction(async (tx) => {
      // One JSON parameter, not eleven arrays: the database's JSON parser (C) does the splitting
      // that PGlite's parameter encoder would do in JavaScript (measured: ~20 % less CPU per
      // stored event). NUL cannot be in PostgreSQL text, so string fields go through pgText first;
      // the JSON texts in envelope/message carry theirs as `\u0000` escapes and stay byte-exact.
      // The parameter is JSON.stringify output, which holds neither NUL nor a lone surrogate (it
      // escapes both), so it goes in unscanned: pgParams' scan of it cost ~3 µs per row whenever
      // one message in the batch made the text two-byte.
      const insertedIds = await tx.query<{ id: string }>(
        `INSERT INTO recording_events (id, session_id, source, seq, at, kind, direction, method, tool_name,
           envelope, message, message_parts, search_terms)
         SELECT id, session_id, source, seq, at::timestamptz, kind, direction, method, tool_name, envelope,
           message, message_parts, search_terms
         FROM json_to_recordset($1::json)
           AS t(id text, session_id text, source text, seq integer, at text, kind text, direction text,
                method text, tool_name text, envelope text, message text, message_parts integer,
                search_terms bigint[])
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [JSON.stringify(rows.map((row, i) => jsonRow(row, searchTerms[i] ?? null, parted[i])))],
      );
      // Only events that were new count towards their session, so a redelivered batch changes nothing.
      const fresh = new Set(insertedIds.map((r) => pgText(r.id)));
      for (const [i, row] of rows.entries()) {
        const parts = parted[i];
        const id = pgText(row.id);
        if (parts !== undefined && fresh.has(id)) await insertMessageParts(tx, id, parts);
      }
      const newEvents = batch.filter((e) => fresh.has(pgText(e.id)));
      const deltas = sessionDeltas(newEvents);
      if (deltas.length > 0) await tx.query(UPSERT_SESSIONS, [upsertSessionsParam(deltas)]);
      return { inserted: newEvents.length, sessions: deltas.length };
    });
    this.#indexed.remember(indexedNow);
    await this.#maintenance?.changed({ events: stored.inserted, sessions: stored.sessions });
    return { inserted: stored.inserted };
  }

  async listSessions(filter: SessionFilter): Promise<SessionPage> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_SESSION_PAGE_SIZE) {
      throw new AirlockError(
        'invalid_params',
        `The session page size must be a whole number from 1 to ${MAX_SESSION_PAGE_SIZE} (got ${filter.limit}).`,
      );
    }
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = sessionFilterConditions(filter, param);
    if (filter.text !== undefined && filter.text !== '') {
      where.push(await textSearchCondition(filter.text, this.#searchKeys, param));
    }
    if (filter.cursor !== undefined) {
      const cursor = decodeSessionCursor(filter.cursor);
      where.push(`(s.started_at, s.id) < (${param(cursor.startedAt)}::timestamptz, ${param(cursor.id)})`);
    }
    const rows = await query<SessionRow>(
      this.#db,
      `SELECT ${SESSION_COLUMNS} FROM recording_sessions s
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY s.started_at DESC, s.id DESC
       LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, filter.limit).map(toSummary);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > filter.limit && last
        ? encodeSessionCursor({ startedAt: last.startedAt, id: last.id })
        : undefined;
    return { sessions: page, nextCursor };
  }

  watchChanges(onChange: (change: StoreChange) => void): Promise<StopWatching> {
    return this.#watcher(onChange);
  }

  async listSessionChanges(filter: SessionChangeFilter): Promise<ChangePage<SessionSummary>> {
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const { rows, page } = await changedRows<SessionRow>(pgSafe(this.#db), {
      table: 'recording_sessions',
      columns: SESSION_COLUMNS,
      where: sessionFilterConditions(filter, param, 't'),
      params,
      after: filter.after,
      limit: changeLimit(filter.limit),
    });
    return { rows: rows.map(toSummary), ...page };
  }

  listApprovalChanges(filter: ApprovalChangeFilter): Promise<ChangePage<ApprovalRecord>> {
    return this.#approvals.listApprovalChanges(filter, changeLimit(filter.limit));
  }

  async getSession(id: string, scope: SessionScope = {}): Promise<SessionSummary | undefined> {
    const rows =
      scope.subject === undefined
        ? await query<SessionRow>(
            this.#db,
            `SELECT ${SESSION_COLUMNS} FROM recording_sessions WHERE id = $1`,
            [id],
          )
        : await query<SessionRow>(
            this.#db,
            `SELECT ${SESSION_COLUMNS} FROM recording_sessions WHERE id = $1 AND subject = $2`,
            [id, scope.subject],
          );
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  async getEvents(sessionId: string, eventQuery: EventQuery = {}): Promise<RecordingEvent[]> {
    return (await this.#readEvents(sessionId, eventQuery)).events;
  }

  async getEventPage(sessionId: string, eventQuery: EventPageQuery): Promise<EventPage> {
    // Always bounded, even for a caller (say over the worker boundary) that left the limit out.
    return this.#readEvents(sessionId, {
      ...eventQuery,
      maxBytes: eventQuery.maxBytes ?? DEFAULT_EVENT_PAGE_BYTES,
    });
  }

  async #readEvents(sessionId: string, eventQuery: EventQuery): Promise<EventPage> {
    const { sql, params } = eventPageQuery(sessionId, eventQuery);
    const rows = await joinMessageParts(this.#db, await query<EventPageRow>(this.#db, sql, params));
    // Decrypted one page at a time: only this page's plaintext is ever in memory.
    const events = await readEventColumns(rows, this.#keyRing);
    const last = events[events.length - 1];
    const next =
      last !== undefined && pageContinues(rows)
        ? { source: last.source, seq: last.seq, id: last.id }
        : undefined;
    return { events, next };
  }

  async purgeOlderThan(cutoff: Date): Promise<PurgeResult> {
    const purged = await this.#db.transaction(async (tx) => {
      const doomed = await query<{ id: string }>(
        tx,
        'DELETE FROM recording_sessions WHERE last_event_at < $1::timestamptz RETURNING id',
        [cutoff.toISOString()],
      );
      if (doomed.length === 0) return { sessions: 0, events: 0 };
      const events = await query<{ count: number }>(
        tx,
        `WITH gone AS (DELETE FROM recording_events WHERE session_id = ANY($1::text[]) RETURNING 1)
         SELECT count(*)::integer AS count FROM gone`,
        [doomed.map((r) => r.id)],
      );
      // A held call goes with its session: its arguments and outcome are sealed with the session's key.
      await query(tx, 'DELETE FROM approvals WHERE session_id = ANY($1::text[])', [doomed.map((r) => r.id)]);
      await deleteSessionKeys(
        pgSafe(tx),
        doomed.map((r) => r.id),
      );
      for (const { id } of doomed) this.#keyRing?.forget(id);
      return { sessions: doomed.length, events: events[0]?.count ?? 0 };
    });
    // Deleted rows are dead versions to clear, like updated ones.
    await this.#maintenance?.changed(purged);
    return purged;
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

function changeLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGE_PAGE_SIZE) {
    throw new AirlockError(
      'invalid_params',
      `A change feed read takes 1 to ${MAX_CHANGE_PAGE_SIZE} rows (got ${limit}).`,
    );
  }
  return limit;
}

function pgSafe(db: SqlQueryable): SqlQueryable {
  return {
    query: <Row>(sql: string, params: readonly unknown[] = []) => query<Row>(db, sql, params),
    execScript: (sql: string) => db.execScript(sql),
  };
}

function query<Row>(db: SqlQueryable, sql: string, params: readonly unknown[] = []): Promise<Row[]> {
  return db.query<Row>(sql, pgParams(params));
}
