import { AirlockError } from '@airlock/core';
import type { Migration } from './migrations.js';
import type { SqlClient } from './sql-client.js';

/**
 * Any fixed 64-bit number works as long as every Airlock uses the same one; this is the first 8
 * bytes of sha256("airlock.recording.migrations") read as a signed bigint, so it will not collide
 * with another application's advisory locks by accident.
 */
const MIGRATION_LOCK_KEY = '-1763572352984888295';

/**
 * Applies pending migrations in one transaction under a transaction-level advisory lock. Two
 * gateways starting together against one PostgreSQL: the second waits for the first to commit,
 * then finds nothing left to do. DDL is transactional in PostgreSQL, so a failed migration leaves
 * the schema as it was. (PGlite is one process; the lock is simply uncontended there.)
 */
export async function runMigrations(db: SqlClient, migrations: readonly Migration[]): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execScript(`
CREATE TABLE IF NOT EXISTS recording_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`);
    const applied = await tx.query<{ version: number; name: string }>(
      'SELECT version, name FROM recording_migrations ORDER BY version',
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of applied) {
      const migration = known.get(row.version);
      if (!migration) {
        throw new AirlockError(
          'internal',
          `The recording store has migration ${row.version} ("${row.name}"), which this Airlock does not know: a newer Airlock has upgraded it. Run that version (or newer) against this store.`,
        );
      }
    }
    const done = new Set(applied.map((r) => r.version));
    const ran: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await tx.execScript(migration.sql);
      await tx.query('INSERT INTO recording_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}
