import type { SqlQueryable } from '../store/sql-client.js';
import { decodeChangeCursor, encodeChangeCursor } from './change-cursor.js';
import type { ChangePage } from './change-feed-store.js';

export interface ChangedRowsQuery {
  /** `recording_sessions` or `approvals`: a table migration 9 stamps. */
  readonly table: string;
  readonly columns: string;
  /** Conditions on the table (aliased `t`), with their `$n` parameters already in `params`. */
  readonly where: readonly string[];
  readonly params: readonly unknown[];
  readonly after: string | undefined;
  readonly limit: number;
}

/**
 * Rows written after the cursor, oldest change first. The horizon is the oldest transaction still
 * running when the read starts (pg_snapshot_xmin): every row stamped below it is committed or
 * gone, so reading only below it means a transaction that commits after a younger one is read
 * late rather than skipped (transaction ids are handed out in start order, not commit order). A
 * long write transaction anywhere on the database server holds the horizon back: updates wait
 * for it, none is lost.
 */
export async function changedRows<Row>(
  db: SqlQueryable,
  query: ChangedRowsQuery,
): Promise<{ rows: Row[]; page: Omit<ChangePage<never>, 'rows'> }> {
  const [horizonRow] = await db.query<{ xid: string }>(
    'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid',
  );
  const horizon = horizonRow?.xid ?? '0';
  const now = { cursor: encodeChangeCursor({ xid: horizon, id: '' }), more: false };
  if (query.after === undefined) return { rows: [], page: now };
  const after = decodeChangeCursor(query.after);
  // A cursor from beyond the horizon (read before a failover, say) is kept: never step back.
  if (BigInt(after.xid) >= BigInt(horizon)) return { rows: [], page: { cursor: query.after, more: false } };
  const params = [...query.params];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [
    ...query.where,
    `(t.change_xid, t.id) > (${param(after.xid)}::xid8, ${param(after.id)})`,
    `t.change_xid < ${param(horizon)}::xid8`,
  ];
  const rows = await db.query<Row & { change_xid_text: string; id: string }>(
    `SELECT ${query.columns}, t.change_xid::text AS change_xid_text FROM ${query.table} t
     WHERE ${where.join(' AND ')}
     ORDER BY t.change_xid, t.id LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  if (rows.length > query.limit && last !== undefined) {
    return {
      rows: page,
      page: { cursor: encodeChangeCursor({ xid: last.change_xid_text, id: last.id }), more: true },
    };
  }
  return { rows: page, page: now };
}
