import pg from 'pg';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, type StoreChange } from '../../src/index.js';
import { heldCall } from '../approvals/helpers/approval-store-contract.js';
import { SessionScript } from '../store/helpers/session-script.js';

/**
 * The change feed on PostgreSQL shared by two gateways: hints reach the other gateway, and a read
 * never skips a transaction that commits after a younger one (the reason it reads below the
 * oldest running transaction rather than by a sequence or a time).
 */
describe('change feed on PostgreSQL', () => {
  let server: RunningPostgres;
  let url: string;
  let first: PostgresStore;
  let second: PostgresStore;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase('changes');
    first = PostgresStore.open({ connectionString: url });
    second = PostgresStore.open({ connectionString: url });
    await first.migrate();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await server?.stop();
  });

  const session = (id: string, subject = 'alice') =>
    new SessionScript({ sessionId: id, subject, connection: 'c', startAt: new Date() }).start();

  it('tells the other gateway of a session and a held call at commit', async () => {
    const heard: StoreChange[] = [];
    const stop = await second.watchChanges((change) => heard.push(change));
    try {
      await first.insertEvents(session('hinted').events);
      const call = heldCall();
      await first.holdCall(call);
      await expect
        .poll(() => heard, { timeout: 5_000 })
        .toEqual(
          expect.arrayContaining([
            { kind: 'session', id: 'hinted' },
            { kind: 'approval', id: call.id },
          ]),
        );
    } finally {
      await stop();
    }
  });

  it('reads a late commit late, never skips it, and filters like the list', async () => {
    const start = await second.listSessionChanges({ after: undefined, limit: 100 });
    await first.insertEvents(session('older').events);
    // A transaction that writes "older" again and stays open: it holds the older transaction id.
    const held = new pg.Client({ connectionString: url });
    await held.connect();
    try {
      await held.query('BEGIN');
      await held.query("UPDATE recording_sessions SET warning_count = warning_count + 1 WHERE id = 'older'");
      // A younger transaction commits first.
      await first.insertEvents(session('younger').events);
      await first.insertEvents(session('carols', 'carol').events);
      const whileOpen = await second.listSessionChanges({ after: start.cursor, limit: 100 });
      // What is read is complete up to the open transaction: "older" as first committed, and
      // nothing after the open transaction yet.
      expect(whileOpen.rows.map((s) => s.id)).toEqual(['older']);
      await held.query('COMMIT');
      const afterCommit = await second.listSessionChanges({ after: whileOpen.cursor, limit: 100 });
      expect(afterCommit.rows.map((s) => s.id).sort()).toEqual(['carols', 'older', 'younger']);
      expect(afterCommit.rows.find((s) => s.id === 'older')?.warningCount).toBe(1);
      const nothingNew = await second.listSessionChanges({ after: afterCommit.cursor, limit: 100 });
      expect(nothingNew.rows).toEqual([]);
      // The list's filters: only carol's, from the same start.
      const carols = await second.listSessionChanges({ after: start.cursor, subject: 'carol', limit: 100 });
      expect(carols.rows.map((s) => s.id)).toEqual(['carols']);
    } finally {
      await held.end();
    }
  });

  it('pages a burst: more says to read again, and every change comes once', async () => {
    const start = await second.listSessionChanges({ after: undefined, limit: 100 });
    for (let i = 0; i < 5; i += 1) await first.insertEvents(session(`burst-${i}`).events);
    const seen: string[] = [];
    let cursor = start.cursor;
    for (let reads = 0; reads < 10; reads += 1) {
      const page = await second.listSessionChanges({ after: cursor, limit: 2 });
      seen.push(...page.rows.map((s) => s.id));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(seen).toEqual(['burst-0', 'burst-1', 'burst-2', 'burst-3', 'burst-4']);
  });
});
