import pg from 'pg';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/index.js';

/** Every query the store's connections run, in order, and how many ran at once on one connection. */
function watchQueries(): {
  readonly byConnection: Map<pg.Client, string[]>;
  readonly mostAtOnce: () => number;
} {
  const byConnection = new Map<pg.Client, string[]>();
  const running = new Map<pg.Client, number>();
  let most = 0;
  const original = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
    byConnection.set(this, [...(byConnection.get(this) ?? []), text]);
    const now = (running.get(this) ?? 0) + 1;
    running.set(this, now);
    most = Math.max(most, now);
    const result = (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    const done = (): void => {
      running.set(this, (running.get(this) ?? 1) - 1);
    };
    void Promise.resolve(result).then(done, done);
    return result;
  } as never);
  return { byConnection, mostAtOnce: () => most };
}

describe('the PostgreSQL store’s connections', () => {
  let server: RunningPostgres;

  beforeAll(async () => {
    server = await startPostgres();
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('set the planner’s page cost on each new connection before anything else runs on it', async () => {
    const url = await server.createDatabase('connections');
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    const store = PostgresStore.open({ connectionString: url, maxConnections: 4 });
    try {
      await store.migrate();
      const queries = watchQueries();
      // Many reads at once, so the pool opens new connections while others are busy.
      const pages = await Promise.all(Array.from({ length: 12 }, () => store.listSessions({ limit: 10 })));
      expect(pages.every((page) => page.sessions.length === 0)).toBe(true);
      // No connection ever ran two queries at once (pg deprecates it; pg 9 refuses it).
      expect(queries.mostAtOnce()).toBe(1);
      for (const texts of queries.byConnection.values()) {
        if (texts.includes('SET random_page_cost = 1.1')) expect(texts[0]).toBe('SET random_page_cost = 1.1');
      }
      // The migration's connection was opened before the watch; the reads needed more.
      const fresh = [...queries.byConnection.values()].filter(
        (texts) => texts[0] === 'SET random_page_cost = 1.1',
      );
      expect(fresh.length).toBeGreaterThanOrEqual(1);
      // Each connection's own setting, read on that connection while the pool holds it idle.
      vi.restoreAllMocks();
      for (const connection of queries.byConnection.keys()) {
        const { rows } = await connection.query<{ cost: string }>(
          `SELECT current_setting('random_page_cost') AS cost`,
        );
        expect(rows[0]?.cost).toBe('1.1');
      }
    } finally {
      await store.close();
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
  });
});
