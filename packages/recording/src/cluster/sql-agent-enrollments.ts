import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import type { AgentEnrollmentStore, StoredEnrollment } from './agent-enrollment-store.js';

interface EnrollmentRow {
  id: string;
  token_sha256: string;
  connections: string[];
  created_at: Date | string;
  created_by: string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

function enrollmentOf(row: EnrollmentRow): StoredEnrollment {
  return {
    id: row.id,
    tokenSha256: row.token_sha256,
    connections: [...row.connections],
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...(row.revoked_at === null ? {} : { revokedAt: iso(row.revoked_at) }),
    ...(row.revoked_by === null ? {} : { revokedBy: row.revoked_by }),
  };
}

async function readAll(db: SqlQueryable): Promise<StoredEnrollment[]> {
  const rows = await db.query<EnrollmentRow>('SELECT * FROM agent_enrollments ORDER BY id');
  return rows.map(enrollmentOf);
}

/** The `agent_enrollments` table (migration 6). */
export class SqlAgentEnrollments implements AgentEnrollmentStore {
  constructor(private readonly db: SqlClient) {}

  listEnrollments(): Promise<StoredEnrollment[]> {
    return readAll(this.db);
  }

  updateEnrollments<T>(change: (records: StoredEnrollment[]) => T): Promise<T> {
    return this.db.transaction(async (tx) => {
      // Two gateways enrolling the same name at once: the second waits and then sees the first.
      await tx.query('LOCK TABLE agent_enrollments IN SHARE ROW EXCLUSIVE MODE');
      const records = await readAll(tx);
      const result = change(records);
      const kept = new Set<string>();
      for (const r of records) {
        kept.add(r.id);
        await tx.query(
          `INSERT INTO agent_enrollments (id, token_sha256, connections, created_at, created_by, revoked_at, revoked_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, connections = EXCLUDED.connections,
             created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by,
             revoked_at = EXCLUDED.revoked_at, revoked_by = EXCLUDED.revoked_by`,
          [
            r.id,
            r.tokenSha256,
            r.connections,
            r.createdAt,
            r.createdBy,
            r.revokedAt ?? null,
            r.revokedBy ?? null,
          ],
        );
      }
      await tx.query('DELETE FROM agent_enrollments WHERE NOT (id = ANY($1::text[]))', [[...kept]]);
      return result;
    });
  }
}
