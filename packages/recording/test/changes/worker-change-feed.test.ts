import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerStore, type StoreChange } from '../../dist/index.js';
import { heldCall } from '../approvals/helpers/approval-store-contract.js';
import { SessionScript } from '../store/helpers/session-script.js';

/**
 * The embedded store as the gateway runs it, in a worker thread: the change trigger's NOTIFY is
 * heard in the thread and reaches every watcher on the gateway's thread; the feed reads across.
 * Built code: the worker loads the compiled thread.
 */
describe('change feed of the PGlite worker store', () => {
  let dir: string;
  let store: WorkerStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-worker-changes-'));
    store = await WorkerStore.open({ dataDir: join(dir, 'store') });
    await store.migrate();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes hints from its thread to every watcher, and reads the changes', async () => {
    const first: StoreChange[] = [];
    const second: StoreChange[] = [];
    const stopFirst = await store.watchChanges((change) => first.push(change));
    const stopSecond = await store.watchChanges((change) => second.push(change));
    const start = await store.listSessionChanges({ after: undefined, limit: 10 });
    await store.insertEvents(
      new SessionScript({
        sessionId: 'watched',
        subject: 'alice',
        connection: 'c',
        startAt: new Date(),
      }).start().events,
    );
    const call = heldCall({ sessionId: 'watched' });
    await store.holdCall(call);
    await expect.poll(() => first).toContainEqual({ kind: 'session', id: 'watched' });
    await expect.poll(() => second).toContainEqual({ kind: 'approval', id: call.id });
    await stopSecond();
    const changed = await store.listSessionChanges({ after: start.cursor, limit: 10 });
    expect(changed.rows.map((s) => s.id)).toEqual(['watched']);
    const approvals = await store.listApprovalChanges({ after: start.cursor, limit: 10 });
    expect(approvals.rows.map((a) => a.id)).toEqual([call.id]);
    await stopFirst();
  });
});
