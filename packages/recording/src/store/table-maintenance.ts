import type { SqlQueryable } from './sql-client.js';

/**
 * What PostgreSQL's autovacuum daemon does, for PGlite, which runs no daemon. Unmaintained, its
 * tables were never analyzed, so the planner guessed (measured at 100,000 sessions: `tool=` read
 * every matching session through the GIN index and sorted them, 549 ms, instead of walking the
 * newest sessions and stopping at the page's end, 1 ms); every update of a session row left a
 * dead row behind for good; and the text search index's pending list (new GIN entries not yet
 * merged) was scanned by every search.
 *
 * Each table is kept on its own schedule, at the daemon's default thresholds except one:
 * - `recording_sessions` (small; every stored batch updates a row per session in it): VACUUM
 *   (ANALYZE) when the session rows written pass 50 + 10 % of the table, a few milliseconds, and
 *   at most every 10 s (the daemon visits a table at most once a minute): with 32 sessions busy it
 *   was every second batch, ~60 µs of every relayed call.
 * - `recording_events` (insert-only but for text indexing, shredding and purges): VACUUM when the
 *   rows written pass 1,000 + 20 % of the table (the daemon's insert threshold); it merges the
 *   text index's pending list and marks the new pages all-visible.
 *   `recording_event_parts` (large messages in parts) is vacuumed with it.
 * - ANALYZE of `recording_events` when the table has doubled (1,000 + 100 %) rather than at
 *   10 %: it reads a 30,000-row sample whatever was written, 120–300 ms at 20,000–90,000 events,
 *   which at 10 % was 35–60 µs of every stored event, more than the insert itself. The plans on
 *   this table do not need fresher statistics: its lookups go through the session's index range
 *   or the text index, and the planner scales the analyzed row count by the table's current size.
 * - While `recording_events` is young (under 100,000 rows) its ANALYZE reads a 3,000-row sample
 *   (statistics target 10, not 100): even at doubling, the 30,000-row sample of a young table cost
 *   280–500 ms each time (at ~48,000 rows), about 20 µs of every event in a store's first 100,000,
 *   and the smaller one 35–40 ms. Its plans are the same at the console's figures (see
 *   docs/recording.md). From 100,000 rows on, a full sample costs under 5 µs per event written
 *   since the last one, and the statistics are full again.
 */
const SESSIONS = { threshold: 50, scale: 0.1 } as const;
const EVENTS_VACUUM = { threshold: 1_000, scale: 0.2 } as const;
const EVENTS_ANALYZE = { threshold: 1_000, scale: 1 } as const;
const YOUNG_EVENT_ROWS = 100_000;
const YOUNG_STATISTICS_TARGET = 10;

export interface TableMaintenanceOptions {
  /** Least time between two runs on the session table (default 10 s). */
  readonly sessionIntervalMs?: number | undefined;
  /** Below this many rows, `recording_events` is analyzed from a small sample (default 100,000). */
  readonly youngEventRows?: number | undefined;
}

/** Rows a stored batch (or another write) touched, per table. */
export interface TableWrites {
  readonly events: number;
  readonly sessions: number;
}

export class TableMaintenance {
  readonly #db: SqlQueryable;
  #sessionWrites = 0;
  #eventWrites = 0;
  #eventWritesSinceAnalyze = 0;
  #sessionRows = 0;
  #eventRows = 0;
  #eventRowsAnalyzed = 0;
  #sessionsDoneAt = Number.NEGATIVE_INFINITY;
  readonly #sessionIntervalMs: number;
  readonly #youngEventRows: number;

  constructor(db: SqlQueryable, options: TableMaintenanceOptions = {}) {
    this.#db = db;
    this.#sessionIntervalMs = options.sessionIntervalMs ?? 10_000;
    this.#youngEventRows = options.youngEventRows ?? YOUNG_EVENT_ROWS;
  }

  /** Runs now if the tables were never analyzed (a store from before this existed, or new). */
  async ensure(): Promise<void> {
    const rows = await this.#sizes();
    if (rows.some((r) => Number(r.reltuples) < 0)) {
      await this.#db.execScript(`VACUUM (ANALYZE) recording_sessions, recording_events`);
      await this.#sizes();
    }
    this.#eventRowsAnalyzed = this.#eventRows;
  }

  /** Counts written rows; vacuums or analyzes a table whose writes passed its threshold. */
  async changed(writes: TableWrites): Promise<void> {
    this.#sessionWrites += writes.sessions;
    this.#eventWrites += writes.events;
    this.#eventWritesSinceAnalyze += writes.events;
    const work: Array<{ readonly sql: string; readonly smallSample?: boolean }> = [];
    if (
      this.#sessionWrites > SESSIONS.threshold + SESSIONS.scale * this.#sessionRows &&
      performance.now() - this.#sessionsDoneAt >= this.#sessionIntervalMs
    ) {
      this.#sessionWrites = 0;
      this.#sessionsDoneAt = performance.now();
      work.push({ sql: 'VACUUM (ANALYZE) recording_sessions' });
    }
    const analyzeEvents =
      this.#eventWritesSinceAnalyze >
      EVENTS_ANALYZE.threshold + EVENTS_ANALYZE.scale * this.#eventRowsAnalyzed;
    if (
      analyzeEvents ||
      this.#eventWrites > EVENTS_VACUUM.threshold + EVENTS_VACUUM.scale * this.#eventRows
    ) {
      const young = this.#eventRows + this.#eventWrites < this.#youngEventRows;
      this.#eventWrites = 0;
      if (analyzeEvents) this.#eventWritesSinceAnalyze = 0;
      work.push(
        analyzeEvents
          ? { sql: 'VACUUM (ANALYZE) recording_events', smallSample: young }
          : { sql: 'VACUUM recording_events' },
      );
      // Large messages' parts (migration 13) come and go with their events: a purge's dead parts
      // are made reusable with the events'. Looked up by primary key only, so never analyzed.
      work.push({ sql: 'VACUUM recording_event_parts' });
    }
    if (work.length === 0) return;
    // Outside any transaction (VACUUM cannot run in one): PGlite's exec runs each on its own.
    for (const { sql, smallSample } of work) {
      if (smallSample === true) await this.#analyzeFromSmallSample(sql);
      else await this.#db.execScript(sql);
    }
    await this.#sizes();
    if (analyzeEvents) this.#eventRowsAnalyzed = this.#eventRows;
  }

  /** Runs `statement` with the small statistics target, and the default again after it. */
  async #analyzeFromSmallSample(statement: string): Promise<void> {
    await this.#db.execScript(`SET default_statistics_target = ${YOUNG_STATISTICS_TARGET}`);
    try {
      await this.#db.execScript(statement);
    } finally {
      await this.#db.execScript('RESET default_statistics_target');
    }
  }

  /** Reads both tables' row counts as the last VACUUM or ANALYZE left them. */
  async #sizes(): Promise<Array<{ relname: string; reltuples: number }>> {
    const rows = await this.#db.query<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples FROM pg_class
       WHERE relname IN ('recording_sessions', 'recording_events') AND relkind = 'r'`,
    );
    for (const row of rows) {
      const count = Math.max(0, Number(row.reltuples));
      if (row.relname === 'recording_sessions') this.#sessionRows = count;
      else this.#eventRows = count;
    }
    return rows;
  }
}
