import type { SqlQueryable } from './sql-client.js';

/**
 * What PostgreSQL's autovacuum daemon does, for PGlite, which runs no daemon. Unmaintained, its
 * tables were never analyzed, so the planner guessed (measured at 100,000 sessions: `tool=` read
 * every matching session through the GIN index and sorted them, 549 ms, instead of walking the
 * newest sessions and stopping at the page's end, 1 ms); every update of a session row left a
 * dead row behind for good; and the text search index's pending list (new GIN entries not yet
 * merged) was scanned by every search. VACUUM (ANALYZE) fixes all three; it runs when the rows
 * the store wrote pass the daemon's analyze threshold (50 rows + 10 % of the table).
 */
const THRESHOLD_ROWS = 50;
const SCALE_FACTOR = 0.1;
const TABLES = ['recording_sessions', 'recording_events'] as const;

export class TableMaintenance {
  readonly #db: SqlQueryable;
  #changed = 0;
  #threshold = THRESHOLD_ROWS;

  constructor(db: SqlQueryable) {
    this.#db = db;
  }

  /** Runs now if the tables were never analyzed (a store from before this existed, or new). */
  async ensure(): Promise<void> {
    const rows = await this.#db.query<{ reltuples: number }>(
      `SELECT reltuples FROM pg_class WHERE relname = ANY($1::text[])`,
      [[...TABLES]],
    );
    if (rows.some((r) => Number(r.reltuples) < 0)) await this.#vacuum();
    else await this.#setThreshold();
  }

  /** Counts `rows` written events; vacuums and analyzes when past the threshold. */
  async changed(rows: number): Promise<void> {
    this.#changed += rows;
    if (this.#changed > this.#threshold) await this.#vacuum();
  }

  async #vacuum(): Promise<void> {
    this.#changed = 0;
    // Outside any transaction (VACUUM cannot run in one): PGlite's exec runs it on its own.
    await this.#db.execScript(`VACUUM (ANALYZE) ${TABLES.join(', ')}`);
    await this.#setThreshold();
  }

  async #setThreshold(): Promise<void> {
    const rows = await this.#db.query<{ reltuples: number }>(
      `SELECT reltuples FROM pg_class WHERE relname = 'recording_events'`,
    );
    this.#threshold = THRESHOLD_ROWS + SCALE_FACTOR * Math.max(0, Number(rows[0]?.reltuples ?? 0));
  }
}
