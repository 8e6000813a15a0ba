import type { SqlQueryable } from '../store/sql-client.js';
import type { ModernGroupLease, ModernGroupRef, ModernGroupStore } from './modern-group-store.js';

interface LeaseRow {
  session_id: string;
  remaining: number | string;
}

interface RenewRow {
  group_key: string;
  remaining: number | string;
}

const REMAINING_MS = `(EXTRACT(EPOCH FROM (deadline - now())) * 1000)::float8`;

/** The `modern_session_groups` table (migration 10). */
export class SqlModernGroups implements ModernGroupStore {
  constructor(private readonly db: SqlQueryable) {}

  async claimModernGroup(key: string, sessionId: string, idleMs: number): Promise<ModernGroupLease> {
    // One statement, so two gateways claiming the same key at once agree on one session id: the
    // row lock makes the second see the first's row, live, and join it.
    const rows = await this.db.query<LeaseRow>(
      `INSERT INTO modern_session_groups AS g (group_key, session_id, deadline)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (group_key) DO UPDATE SET
         session_id = CASE WHEN g.deadline > now() THEN g.session_id ELSE EXCLUDED.session_id END,
         started_at = CASE WHEN g.deadline > now() THEN g.started_at ELSE now() END,
         deadline = GREATEST(CASE WHEN g.deadline > now() THEN g.deadline ELSE now() END, EXCLUDED.deadline)
       RETURNING session_id, ${REMAINING_MS} AS remaining`,
      [key, sessionId, idleMs],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`claiming modern-era group ${key} returned no row`);
    return { sessionId: row.session_id, remainingMs: Number(row.remaining) };
  }

  async renewModernGroups(groups: readonly ModernGroupRef[], idleMs: number): Promise<Map<string, number>> {
    if (groups.length === 0) return new Map();
    const rows = await this.db.query<RenewRow>(
      `UPDATE modern_session_groups AS g
       SET deadline = GREATEST(g.deadline, now() + $3 * interval '1 millisecond')
       FROM unnest($1::text[], $2::text[]) AS r(group_key, session_id)
       WHERE g.group_key = r.group_key AND g.session_id = r.session_id AND g.deadline > now()
       RETURNING g.group_key, ${REMAINING_MS} AS remaining`,
      [groups.map((g) => g.key), groups.map((g) => g.sessionId), idleMs],
    );
    return new Map(rows.map((row) => [row.group_key, Number(row.remaining)]));
  }

  async purgeModernGroups(graceMs: number): Promise<number> {
    const rows = await this.db.query<{ group_key: string }>(
      `DELETE FROM modern_session_groups WHERE deadline < now() - $1 * interval '1 millisecond'
       RETURNING group_key`,
      [graceMs],
    );
    return rows.length;
  }
}
