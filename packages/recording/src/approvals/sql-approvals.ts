import { AirlockError, castVote, type ApprovalStatus, type ApprovalVote } from '@airlock/core';
import { pgJson, pgParams } from '../store/pg-text.js';
import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import { decodeApprovalCursor, encodeApprovalCursor } from './approval-cursor.js';
import { approvalNotFound } from './approval-not-found.js';
import { approvalOfRow, type ApprovalRow } from './approval-row.js';
import { ApprovalSealing } from './approval-sealing.js';
import type { SessionKeyRing } from '../crypto/session-key-ring.js';
import { changedRows } from '../changes/changed-rows.js';
import type { ApprovalChangeFilter, ChangePage } from '../changes/change-feed-store.js';
import type {
  ApprovalFilter,
  ApprovalPage,
  ApprovalRecord,
  ApprovalStore,
  HeldCallRequest,
  HoldResult,
} from './approval-store.js';

/** The most approvals one list page may hold. */
export const MAX_APPROVAL_PAGE_SIZE = 500;

/**
 * A retry of the same digest joins the newest approval that is still pending and unexpired, or
 * decided (approved or denied) within its remember window: isJoinable (approval-view.ts) in SQL.
 */
const JOINABLE = `digest = $1 AND (
  (status = 'pending' AND expires_at > $2::timestamptz)
  OR (status IN ('approved', 'denied') AND remember_until > $2::timestamptz))`;

/** `pending` lists only live ones; `expired` includes pending ones past their expiry (effectiveStatus). */
function statusCondition(status: ApprovalStatus, now: () => string): string {
  switch (status) {
    case 'pending':
      return `(status = 'pending' AND expires_at > ${now()})`;
    case 'expired':
      return `(status = 'expired' OR (status = 'pending' AND expires_at <= ${now()}))`;
    case 'approved':
    case 'denied':
      return `status = '${status}'`;
  }
}

/** The list filters as SQL conditions (unqualified columns: the list reads `approvals`, the feed `approvals t`). */
function approvalConditions(
  filter: Omit<ApprovalFilter, 'cursor' | 'limit'>,
  param: (value: unknown) => string,
  now: Date,
): string[] {
  const where: string[] = [];
  if (filter.status !== undefined)
    where.push(statusCondition(filter.status, () => `${param(now.toISOString())}::timestamptz`));
  if (filter.connection !== undefined) where.push(`connection = ${param(filter.connection)}`);
  if (filter.requester !== undefined) where.push(`requester->>'subject' = ${param(filter.requester)}`);
  if (filter.viewer !== undefined) {
    where.push(
      `(requester->>'subject' = ${param(filter.viewer.subject)} OR requirement->'approverGroups' ?| ${param([...filter.viewer.groups])}::text[])`,
    );
  }
  if (filter.createdAfter !== undefined)
    where.push(`created_at > ${param(filter.createdAfter.toISOString())}::timestamptz`);
  return where;
}

/** Every query's parameters through pgParams: PostgreSQL text cannot hold U+0000 (see pg-text.ts). */
function run<Row>(db: SqlQueryable, sql: string, params: readonly unknown[]): Promise<Row[]> {
  return db.query<Row>(sql, pgParams(params));
}

async function rowById(db: SqlQueryable, id: string, lock = false): Promise<ApprovalRow | undefined> {
  const rows = await run<ApprovalRow>(
    db,
    `SELECT * FROM approvals WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/**
 * Held calls in the recording store's database (PGlite or a PostgreSQL shared by gateways). Every
 * change is one statement or one transaction with the row (or the digest) locked, so two gateways
 * never hold one digest twice, never both count a vote, and never both release a call.
 */
export class SqlApprovals implements ApprovalStore {
  private readonly sealing: ApprovalSealing;

  /** `ring`: the store's encryption at rest, for the arguments and outcomes (see ApprovalSealing). */
  constructor(
    private readonly db: SqlClient,
    ring?: SessionKeyRing,
  ) {
    this.sealing = new ApprovalSealing(ring);
  }

  /** A row as a record: decrypted outside any transaction (opening may read the session's key). */
  private async record(row: ApprovalRow, now: Date): Promise<ApprovalRecord> {
    return approvalOfRow(await this.sealing.open(row), now);
  }

  async holdCall(request: HeldCallRequest): Promise<HoldResult> {
    const now = request.at;
    // Sealed before the transaction: sealing may create and store the session's data key.
    const params = await this.sealing.seal(request.sessionId, request.id, 'params', request.params);
    const held = await this.db.transaction(async (tx) => {
      // Two gateways holding retries of one call at once must find each other's approval rather
      // than both insert one: serialise holds of a digest (a transaction-scoped advisory lock).
      await run(tx, "SELECT pg_advisory_xact_lock(hashtext('airlock-approval:' || $1))", [request.digest]);
      const live = await run<ApprovalRow>(
        tx,
        `SELECT * FROM approvals WHERE ${JOINABLE} ORDER BY created_at DESC, id DESC LIMIT 1`,
        [request.digest, now.toISOString()],
      );
      const found = live[0];
      if (found !== undefined) return { row: found, created: false };
      const inserted = await run<ApprovalRow>(
        tx,
        `INSERT INTO approvals (id, digest, session_id, connection, requester, method, target, params, rule,
           message, requirement, status, votes, created_at, expires_at, remember_seconds)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11::jsonb, 'pending', '[]'::jsonb,
           $12::timestamptz, $13::timestamptz, $14)
         RETURNING *`,
        [
          request.id,
          request.digest,
          request.sessionId,
          request.connection,
          pgJson(request.requester),
          request.method,
          request.target,
          params,
          request.rule,
          request.message ?? null,
          pgJson(request.requirement),
          now.toISOString(),
          new Date(now.getTime() + request.holdSeconds * 1000).toISOString(),
          request.rememberSeconds,
        ],
      );
      return { row: inserted[0] as ApprovalRow, created: true };
    });
    return { approval: await this.record(held.row, now), created: held.created };
  }

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const row = await rowById(this.db, id);
    return row === undefined ? undefined : this.record(row, new Date());
  }

  async listApprovals(filter: ApprovalFilter): Promise<ApprovalPage> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_APPROVAL_PAGE_SIZE) {
      throw new AirlockError(
        'invalid_params',
        `The approvals page size must be a whole number from 1 to ${MAX_APPROVAL_PAGE_SIZE} (got ${filter.limit}).`,
      );
    }
    const now = new Date();
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const where = approvalConditions(filter, param, now);
    if (filter.cursor !== undefined) {
      const cursor = decodeApprovalCursor(filter.cursor);
      where.push(`(created_at, id) < (${param(cursor.createdAt)}::timestamptz, ${param(cursor.id)})`);
    }
    const rows = await run<ApprovalRow>(
      this.db,
      `SELECT * FROM approvals ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const approvals = await Promise.all(rows.slice(0, filter.limit).map((row) => this.record(row, now)));
    const last = approvals.at(-1);
    return {
      approvals,
      nextCursor: rows.length > filter.limit && last ? encodeApprovalCursor(last) : undefined,
    };
  }

  /** Approvals changed after the filter's cursor (see changedRows), with the list's filters. */
  async listApprovalChanges(
    filter: ApprovalChangeFilter,
    limit: number,
  ): Promise<ChangePage<ApprovalRecord>> {
    const now = new Date();
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    const { rows, page } = await changedRows<ApprovalRow>(
      {
        query: (sql, values = []) => run(this.db, sql, values),
        execScript: (sql) => this.db.execScript(sql),
      },
      {
        table: 'approvals',
        columns: 't.*',
        where: approvalConditions(filter, param, now),
        params,
        after: filter.after,
        limit,
      },
    );
    return { rows: await Promise.all(rows.map((row) => this.record(row, now))), ...page };
  }

  async voteOnApproval(id: string, vote: ApprovalVote, now: Date): Promise<ApprovalRecord> {
    const voted = await this.db.transaction(async (tx) => {
      // The row stays locked until the vote is stored: a concurrent vote on another gateway waits
      // and is then judged against this one (a second vote by the same person, an already decided call).
      const row = await rowById(tx, id, true);
      if (row === undefined) throw approvalNotFound(id);
      const current = approvalOfRow(row, now);
      const tally = castVote(
        {
          id,
          status: row.status,
          requester: current.requester.subject,
          requirement: current.requirement,
          votes: current.votes,
          expiresAt: current.expiresAt,
        },
        vote,
        now,
      );
      const decided = tally.status !== 'pending';
      const updated = await run<ApprovalRow>(
        tx,
        `UPDATE approvals SET votes = $2::jsonb, status = $3,
           decided_at = CASE WHEN $4::boolean THEN $5::timestamptz ELSE decided_at END,
           remember_until = CASE WHEN $4::boolean
             THEN $5::timestamptz + make_interval(secs => remember_seconds) ELSE remember_until END
         WHERE id = $1
         RETURNING *`,
        [id, pgJson(tally.votes), tally.status, decided, now.toISOString()],
      );
      return updated[0] as ApprovalRow;
    });
    return this.record(voted, now);
  }

  async expireApproval(id: string, now: Date): Promise<ApprovalRecord | undefined> {
    const at = now.toISOString();
    await run(
      this.db,
      `UPDATE approvals SET status = 'expired', decided_at = $2::timestamptz
       WHERE id = $1 AND status = 'pending' AND expires_at <= $2::timestamptz`,
      [id, at],
    );
    const row = await rowById(this.db, id);
    return row === undefined ? undefined : this.record(row, now);
  }

  async claimRelease(id: string, by: string, now: Date): Promise<boolean> {
    // One statement: whichever gateway's UPDATE runs first sets released_at; every other one then
    // matches no row (PostgreSQL re-checks the WHERE after waiting for the first one's row lock).
    const claimed = await run<{ id: string }>(
      this.db,
      `UPDATE approvals SET released_at = $3::timestamptz, released_by = $2
       WHERE id = $1 AND status = 'approved' AND released_at IS NULL
       RETURNING id`,
      [id, by, now.toISOString()],
    );
    return claimed.length === 1;
  }

  async storeOutcome(id: string, outcome: string, now: Date): Promise<void> {
    const [row] = await run<{ session_id: string }>(
      this.db,
      'SELECT session_id FROM approvals WHERE id = $1',
      [id],
    );
    if (row === undefined) return;
    const sealed = await this.sealing.seal(row.session_id, id, 'outcome', outcome);
    await run(
      this.db,
      `UPDATE approvals SET outcome = $2, outcome_at = $3::timestamptz WHERE id = $1 AND outcome IS NULL`,
      [id, sealed, now.toISOString()],
    );
  }
}
