import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreBacklog } from '../../src/index.js';
// The worker thread runs compiled code: the built package, as the gateway loads it.
import { WorkerStore } from '../../dist/index.js';
import { SessionScript } from './helpers/session-script.js';

function events(sessionId: string, calls: number) {
  const script = new SessionScript({
    sessionId,
    subject: 'alice',
    connection: 'github',
    startAt: new Date('2026-03-01T10:00:00Z'),
  }).start('gateway');
  for (let i = 0; i < calls; i += 1) script.call('search', { q: i }, `result ${i}`, ['gateway', 'agent']);
  return script.events;
}

describe('StoreBacklog on the worker store', () => {
  let dir: string;
  let store: WorkerStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-backlog-'));
    store = await WorkerStore.open({ dataDir: join(dir, 'store') });
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the events handed to the store until each batch is stored', async () => {
    const backlog = new StoreBacklog();
    expect(backlog.events).toBe(0);
    const first = backlog.insert(store, events('backlog-1', 10)); // 41 events
    const second = backlog.insert(store, events('backlog-2', 5)); // 21 events
    expect(backlog.events).toBe(62);
    const [one, two] = await Promise.all([first, second]);
    expect(one.inserted).toBe(41);
    expect(two.inserted).toBe(21);
    expect(backlog.events).toBe(0);
    expect((await store.getSession('backlog-2'))?.eventCount).toBe(21);
  });

  it('stops counting a batch the store refused', async () => {
    const backlog = new StoreBacklog();
    const broken = events('backlog-bad', 1).map((e) => ({ ...e, seq: 0 }));
    const refused = backlog.insert(store, broken);
    expect(backlog.events).toBe(5);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_params' });
    expect(backlog.events).toBe(0);
  });
});
