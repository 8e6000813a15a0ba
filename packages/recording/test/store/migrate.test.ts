import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteStore, PostgresStore } from '../../src/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SessionScript } from './helpers/session-script.js';

async function sql<Row>(connectionString: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

describe('migrations on PostgreSQL', () => {
  let server: RunningPostgres;

  beforeAll(async () => {
    server = await startPostgres();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('end with one schema when several gateways migrate at once', async () => {
    const url = await server.createDatabase('concurrent');
    const stores = Array.from({ length: 4 }, () => PostgresStore.open({ connectionString: url }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const applied = await sql<{ version: number }>(
        url,
        'SELECT version FROM recording_migrations ORDER BY version',
      );
      expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      const tables = await sql<{ table_name: string }>(
        url,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        'access_grants',
        'agent_enrollments',
        'approvals',
        'console_sessions',
        'gateway_peers',
        'modern_session_groups',
        'recording_event_parts',
        'recording_events',
        'recording_migrations',
        'recording_search_keys',
        'recording_session_keys',
        'recording_sessions',
        'tool_pins',
      ]);
      // Every instance can use the schema.
      const s = new SessionScript({
        sessionId: 'm1',
        subject: 'u',
        connection: 'c',
        startAt: new Date(),
      }).start();
      await stores[3]!.insertEvents(s.events);
      expect(await stores[0]!.getEvents('m1')).toEqual(s.events);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a store that a newer Airlock has migrated, and says what to do', async () => {
    const url = await server.createDatabase('newer');
    const store = PostgresStore.open({ connectionString: url });
    try {
      await store.migrate();
      await sql(url, `INSERT INTO recording_migrations (version, name) VALUES (999, 'from the future')`);
      await expect(store.migrate()).rejects.toThrow(/migration 999 .*newer Airlock/);
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable server instead of hanging', async () => {
    const store = PostgresStore.open({ connectionString: 'postgresql://postgres@127.0.0.1:1/postgres' });
    try {
      await expect(store.migrate()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });
});

describe('PGlite data directory', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-pglite-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Two PGlite boots (a fresh initdb, then a reopen): a few seconds each on a loaded machine.
  it('keeps sessions across a restart', { timeout: 60_000 }, async () => {
    const dataDir = join(dir, 'nested', 'store');
    const s = new SessionScript({ sessionId: 'kept', subject: 'u', connection: 'c', startAt: new Date() })
      .start()
      .call('search')
      .end('client_closed');
    const first = await PgliteStore.open({ dataDir });
    await first.migrate();
    await first.insertEvents(s.events);
    await first.close();

    const second = await PgliteStore.open({ dataDir });
    try {
      await second.migrate();
      expect(await second.getEvents('kept')).toEqual(s.events);
      expect(await second.getSession('kept')).toMatchObject({ status: 'ended', tools: ['search'] });
    } finally {
      await second.close();
    }
  });
});
