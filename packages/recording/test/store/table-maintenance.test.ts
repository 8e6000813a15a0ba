import { PGlite } from '@electric-sql/pglite';
import type { RecordingEvent } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlRecordingStore } from '../../src/store/sql-recording-store.js';
import { SessionScript } from './helpers/session-script.js';

/**
 * The embedded store's own upkeep (PGlite runs no autovacuum daemon): session rows, rewritten by
 * every batch, are vacuumed and analyzed often; the event table is vacuumed at the daemon's insert
 * threshold (1,000 + 20 %) and analyzed only when it has doubled, since an ANALYZE reads a
 * 30,000-row sample whatever was written (at 10 % it cost more per stored event than the insert).
 */
class ProbedStore extends SqlRecordingStore {
  static create(db: PGlite, sessionIntervalMs?: number, youngEventRows?: number): ProbedStore {
    const queryable = (on: Pick<PGlite, 'query' | 'exec'>) => ({
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        (await on.query<Row>(text, [...params])).rows,
      execScript: async (text: string) => {
        await on.exec(text);
      },
    });
    return new ProbedStore(
      {
        ...queryable(db),
        transaction: (work) => db.transaction((tx) => work(queryable(tx))),
        close: () => db.close(),
      },
      {
        maintainTables:
          sessionIntervalMs === undefined && youngEventRows === undefined
            ? true
            : { sessionIntervalMs, youngEventRows },
      },
    );
  }
}

interface TableStats {
  relname: string;
  vacuum_count: number;
  analyze_count: number;
  n_dead_tup: number;
  n_ins_since_vacuum: number;
  reltuples: number;
}

describe('the embedded store keeps its tables itself', () => {
  let db: PGlite;
  let store: ProbedStore;
  const stats = async (): Promise<Record<string, TableStats>> => {
    // A backend sends its counters to the statistics at most once a second; this one now.
    await db.query('SELECT pg_stat_force_next_flush()');
    const rows = (
      await db.query<TableStats>(
        `SELECT s.relname, s.vacuum_count::integer, s.analyze_count::integer, s.n_dead_tup::integer,
           s.n_ins_since_vacuum::integer, c.reltuples
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
         WHERE s.relname IN ('recording_sessions', 'recording_events', 'recording_event_parts')`,
      )
    ).rows;
    return Object.fromEntries(rows.map((r) => [r.relname, r]));
  };

  beforeAll(async () => {
    db = await PGlite.create();
    // No least interval between session-table runs: the test stores in about a second.
    store = ProbedStore.create(db, 0);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
  });

  it('analyzes a new store at once, then keeps each table on its own schedule', async () => {
    const fresh = await stats();
    expect(fresh.recording_sessions?.analyze_count).toBe(1);
    expect(fresh.recording_events?.analyze_count).toBe(1);

    // 20 sessions, 6,020 events stored in batches of 100 as the delivery pump sends them, each
    // batch updating the rows of the sessions in it.
    const scripts = Array.from(
      { length: 20 },
      (_, i) =>
        new SessionScript({
          sessionId: `maint-${i}`,
          subject: 'alice',
          connection: 'echo',
          startAt: new Date('2026-01-01T00:00:00Z'),
        }),
    );
    for (const script of scripts) script.start();
    for (let round = 0; round < 75; round += 1) {
      for (const script of scripts)
        script.call('echo', { text: `round ${round}` }, `round ${round}`, ['gateway', 'agent']);
    }
    const events: RecordingEvent[] = [];
    const cursors = scripts.map(() => 0);
    const total = scripts.reduce((sum, script) => sum + script.events.length, 0);
    // Interleaved as concurrent sessions arrive: a call (4 events) of each session in turn.
    while (events.length < total) {
      scripts.forEach((script, i) => {
        const next = script.events.slice(cursors[i], (cursors[i] ?? 0) + 4);
        cursors[i] = (cursors[i] ?? 0) + next.length;
        events.push(...next);
      });
    }
    expect(total).toBe(6_020);
    for (let i = 0; i < events.length; i += 100) {
      await store.insertEvents(events.slice(i, i + 100));
      // Counters reach the statistics at most once a second otherwise: the test runs faster.
      await db.query('SELECT pg_stat_force_next_flush()');
    }

    const after = await stats();
    const sessions = after.recording_sessions;
    const stored = after.recording_events;
    if (sessions === undefined || stored === undefined) throw new Error('table statistics missing');
    // Session rows: ~1,200 row writes over 20 rows, so vacuumed (and analyzed) many times, and
    // their dead versions never pile up past the threshold (50 + 10 % of 20 rows).
    expect(sessions.vacuum_count).toBeGreaterThanOrEqual(10);
    expect(sessions.n_dead_tup).toBeLessThanOrEqual(60);
    // Events: vacuumed at 1,000 + 20 % of the rows at the last run (after ~1,100, ~2,400, ~3,200
    // with the ANALYZE, ~5,000 rows) ...
    expect(stored.vacuum_count).toBeGreaterThanOrEqual(1 + 4);
    expect(stored.n_ins_since_vacuum).toBeLessThanOrEqual(1_000 + 0.2 * stored.reltuples + 100);
    // ... and analyzed only when doubled (after ~1,100 and ~3,200 rows): at 10 % it would have
    // been about 30 times.
    expect(stored.analyze_count).toBe(1 + 2);
    expect(stored.reltuples).toBeGreaterThan(4_000);
    // Large messages' parts go with the events' runs (none here: nothing to analyze).
    expect(after.recording_event_parts?.vacuum_count).toBe(stored.vacuum_count - 1);
    expect(after.recording_event_parts?.analyze_count).toBe(0);
  });

  it('runs on the session table at most every 10 s by default, however busy', async () => {
    const busy = await PGlite.create();
    const probed = ProbedStore.create(busy);
    try {
      await probed.migrate();
      const scripts = Array.from(
        { length: 20 },
        (_, i) =>
          new SessionScript({
            sessionId: `burst-${i}`,
            subject: 'alice',
            connection: 'echo',
            startAt: new Date('2026-01-01T00:00:00Z'),
          }),
      );
      for (const script of scripts) script.start();
      // 40 batches, each rewriting all 20 session rows: 800 writes, 16 times the threshold.
      for (let round = 0; round < 40; round += 1) {
        const batch = scripts.flatMap((script) => {
          script.call('echo', {}, 'ok', ['gateway']);
          return script.events.slice(-2);
        });
        await probed.insertEvents(round === 0 ? scripts.flatMap((s) => s.events) : batch);
      }
      const counts = (
        await busy.query<{ vacuum_count: number }>(
          `SELECT vacuum_count::integer FROM pg_stat_user_tables WHERE relname = 'recording_sessions'`,
        )
      ).rows[0];
      // Once at start (never analyzed) and once for the burst.
      expect(counts?.vacuum_count).toBe(2);
    } finally {
      await probed.close();
    }
  });
  it('analyzes a young event table from a small sample, a grown one from the full sample', async () => {
    const grown = await PGlite.create();
    // Young below 2,500 rows here (100,000 by default).
    const probed = ProbedStore.create(grown, 0, 2_500);
    // How many bounds the last ANALYZE gave seq's histogram: at most target + 1.
    const seqBounds = async () =>
      (
        await grown.query<{ bounds: number }>(
          `SELECT coalesce(array_length(histogram_bounds, 1), 0) AS bounds FROM pg_stats
           WHERE tablename = 'recording_events' AND attname = 'seq'`,
        )
      ).rows[0]?.bounds ?? 0;
    const analyzed = async () =>
      (
        await grown.query<{ n: number }>(
          `SELECT analyze_count::integer AS n FROM pg_stat_user_tables WHERE relname = 'recording_events'`,
        )
      ).rows[0]?.n ?? 0;
    try {
      await probed.migrate();
      const script = new SessionScript({
        sessionId: 'young-and-grown',
        subject: 'alice',
        connection: 'echo',
        startAt: new Date('2026-01-01T00:00:00Z'),
      }).start();
      // 1,500 rows: the first doubling (past 1,000 rows), analyzed while young.
      for (let i = 0; script.events.length < 1_500; i += 1) script.call('echo', { i }, `ok ${i}`);
      await probed.insertEvents(script.events);
      await grown.query('SELECT pg_stat_force_next_flush()');
      expect(await analyzed()).toBe(2);
      const youngBounds = await seqBounds();
      expect(youngBounds).toBeGreaterThan(1);
      expect(youngBounds).toBeLessThanOrEqual(11);
      // The target is the default again for anything analyzed after it.
      const target = await grown.query<{ default_statistics_target: string }>(
        'SHOW default_statistics_target',
      );
      expect(target.rows[0]?.default_statistics_target).toBe('100');

      // 4,200 rows: the next doubling, past the young size: the full sample.
      const seen = script.events.length;
      for (let i = 0; script.events.length < 4_200; i += 1) script.call('echo', { i }, `ok ${i}`);
      await probed.insertEvents(script.events.slice(seen));
      await grown.query('SELECT pg_stat_force_next_flush()');
      expect(await analyzed()).toBe(3);
      expect(await seqBounds()).toBeGreaterThan(50);
    } finally {
      await probed.close();
    }
  });
});
