import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileWrapper, PgliteStore, RetentionJob, sha256Hex, Spool } from '../../src/index.js';
import { SessionScript } from '../store/helpers/session-script.js';
import { readAll } from '../spool/spool-fixtures.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let store: PgliteStore;
let spool: Spool;
const now = new Date('2026-06-01T00:00:00.000Z');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-retention-'));
  await LocalKeyFileWrapper.createKeyFile(join(dir, 'k'));
  const wrapper = await LocalKeyFileWrapper.open(join(dir, 'k'));
  store = await PgliteStore.open({ dataDir: join(dir, 'store'), encryption: { wrapper } });
  await store.migrate();
  spool = await Spool.open({ dir: join(dir, 'spool'), sinks: ['store'] });
}, 60_000);
afterAll(async () => {
  await spool.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function sessionAt(id: string, startAt: Date): SessionScript {
  return new SessionScript({ sessionId: id, subject: 'alice', connection: 'github', startAt })
    .start()
    .call('read_file', { path: '/etc/motd' })
    .end('client_closed');
}

describe('RetentionJob', () => {
  it('purges old sessions (events and keys) and old quarantined spool segments, and records that it did', async () => {
    const old = sessionAt('old-session', new Date(now.getTime() - 100 * DAY));
    const recent = sessionAt('recent-session', new Date(now.getTime() - 10 * DAY));
    await store.insertEvents([...old.events, ...recent.events]);
    const quarantined = join(dir, 'spool', '000000000001.seg.corrupt');
    await writeFile(quarantined, 'damaged');
    const longAgo = new Date(now.getTime() - 95 * DAY);
    await utimes(quarantined, longAgo, longAgo);

    const job = new RetentionJob({
      store,
      spool,
      days: 90,
      recorder: spool,
      now: () => now,
      gatewayId: 'gw-1',
    });
    const run = await job.runOnce();
    expect(run).toMatchObject({
      sessions: 1,
      events: old.events.length,
      spool: { segments: 0, quarantined: 1 },
    });
    expect(run.cutoff.toISOString()).toBe(new Date(now.getTime() - 90 * DAY).toISOString());
    expect(await store.getSession('old-session')).toBeUndefined();
    expect(await store.loadSessionKey('old-session')).toBeUndefined();
    expect(await store.getEvents('old-session')).toEqual([]);
    expect(await store.getSession('recent-session')).toBeDefined();
    expect(await readdir(join(dir, 'spool'))).not.toContain('000000000001.seg.corrupt');

    // The purge is itself recorded: a hash-chained event in the retention system session.
    await spool.flush();
    const audit = await readAll(spool, 'store');
    expect(audit.map((e) => e.kind)).toEqual(['session_start', 'warning']);
    const purge = audit[1]!;
    expect(purge.sessionId).toBe(job.sessionId);
    expect(purge.warning?.code).toBe('retention_purge');
    expect(purge.purge).toEqual({
      cutoff: run.cutoff.toISOString(),
      days: 90,
      sessions: 1,
      events: old.events.length,
      spoolSegments: 1,
    });
    await store.insertEvents(audit);
    const stored = await store.getEvents(job.sessionId);
    expect(verifyChain(stored, sha256Hex)).toEqual([]);

    // Nothing more to delete: no new audit event.
    await job.runOnce();
    await job.stop();
    await spool.flush();
    const after = await readAll(spool, 'store');
    expect(after.map((e) => e.kind)).toEqual(['session_start', 'warning', 'session_end']);
  });

  it('refuses a non-positive retention', () => {
    expect(() => new RetentionJob({ store, days: 0 })).toThrow(/retentionDays must be a positive/);
  });
});
