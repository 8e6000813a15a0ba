import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '@airlock/core';
import { MemoryAccessGrants, PgliteStore, type AccessGrantStore } from '@airlock/recording';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GrantBook, SHARED_GRANT_POLL_MS, type GrantEnd } from '../../src/access/grant-book.js';

const carol: Caller = { subject: 'carol', groups: ['contractors'], anonymous: false };
const logger = pino({ enabled: false });
const books: GrantBook[] = [];

/** Real time, also while the book's timers are fake. */
const realSetTimeout = globalThis.setTimeout;
const sleep = (ms: number) => new Promise((r) => realSetTimeout(r, ms));

afterEach(() => {
  vi.useRealTimers();
  for (const book of books.splice(0)) book.close();
});

async function granted(store: AccessGrantStore, id: string, seconds: number, tools: string[] = []) {
  await store.requestAccess({
    id,
    connection: 'kitchen',
    requester: { subject: 'carol', groups: ['contractors'] },
    tools,
    durationSeconds: seconds,
    reason: 'incident',
    at: new Date(),
  });
  return store.decideGrant(id, { decision: 'grant', by: 'bob' }, new Date());
}

/** `pollMs` 'never': no poll, as on a store this gateway alone writes. */
async function bookOn(store: AccessGrantStore, pollMs: number | 'never' = 60_000, retryMs?: number) {
  const book = new GrantBook({
    store,
    pollMs: pollMs === 'never' ? undefined : pollMs,
    logger,
    ...(retryMs === undefined ? {} : { retryMs }),
  });
  books.push(book);
  const ended: GrantEnd[] = [];
  book.onEnded((end) => ended.push(end));
  await book.start();
  return { book, ended };
}

describe('GrantBook', () => {
  it('answers lookups from memory and ends a grant at its exact expiry', async () => {
    const store = new MemoryAccessGrants();
    const grant = await granted(store, 'g1', 1, ['echo']);
    const { book, ended } = await bookOn(store);
    expect(book.lookup(carol, 'kitchen')).toEqual([
      { id: 'g1', connection: 'kitchen', tools: ['echo'], expiresAt: grant.expiresAt },
    ]);
    expect(book.lookup(carol, 'other')).toEqual([]);
    expect(book.lookup({ ...carol, subject: 'dana' }, 'kitchen')).toEqual([]);
    await new Promise((r) => setTimeout(r, Date.parse(grant.expiresAt as string) - Date.now() + 50));
    // No poll happened (60 s): the timer ended it (given a moment, on a busy machine).
    await expect.poll(() => ended.length, { timeout: 2000 }).toBe(1);
    expect(ended.map((e) => [e.grant.id, e.why, e.at])).toEqual([['g1', 'expired', grant.expiresAt]]);
    expect(book.lookup(carol, 'kitchen')).toEqual([]);
  });

  it('keeps a grant in force when its timer fires early, and ends it at the wall-clock expiry', async () => {
    const store = new MemoryAccessGrants();
    const grant = await granted(store, 'g6', 1);
    const expiresAt = Date.parse(grant.expiresAt as string);
    // Timers fake, the wall clock real: the book's timer can fire before the clock reaches the
    // expiry, as a timer set late in a busy turn of the event loop does.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { book, ended } = await bookOn(store, 'never');
    await vi.advanceTimersByTimeAsync(1000);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g6']);
    expect(ended).toEqual([]);
    // Past the expiry with the timer not yet fired again: no longer in force...
    await sleep(expiresAt - Date.now() + 20);
    expect(book.lookup(carol, 'kitchen')).toEqual([]);
    expect(ended).toEqual([]);
    // ...and ended at once when asked, as a refused request on its session does.
    book.endExpired();
    expect(ended.map((e) => [e.grant.id, e.why, e.at])).toEqual([['g6', 'expired', grant.expiresAt]]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(ended).toHaveLength(1);
  });

  it('ends a grant whose early timer fired at the wall-clock expiry, once', async () => {
    const store = new MemoryAccessGrants();
    const grant = await granted(store, 'g7', 1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { book, ended } = await bookOn(store, 'never');
    await vi.advanceTimersByTimeAsync(1000);
    expect(ended).toEqual([]);
    await sleep(Date.parse(grant.expiresAt as string) - Date.now() + 20);
    // The timer set again for what was left fires now.
    await vi.advanceTimersByTimeAsync(1000);
    expect(ended.map((e) => [e.grant.id, e.why])).toEqual([['g7', 'expired']]);
    expect(book.lookup(carol, 'kitchen')).toEqual([]);
  });

  it('sees a grant and a revocation made elsewhere at the next poll, or at once when told', async () => {
    const store = new MemoryAccessGrants();
    const { book, ended } = await bookOn(store, 50);
    await granted(store, 'g2', 600);
    await expect.poll(() => book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g2']);
    await store.revokeGrant('g2', 'bob', 'incident closed', new Date());
    await book.refresh();
    expect(book.lookup(carol, 'kitchen')).toEqual([]);
    expect(ended).toMatchObject([
      { why: 'revoked', by: 'bob', reason: 'incident closed', requester: 'carol' },
    ]);
  });

  it('without a poll (the store has no other writer) reads the store only when told', async () => {
    const store = new MemoryAccessGrants();
    let reads = 0;
    const activeGrants = store.activeGrants.bind(store);
    store.activeGrants = (now) => {
      reads += 1;
      return activeGrants(now);
    };
    const { book } = await bookOn(store, 'never');
    expect(book.polling).toBe(false);
    expect(reads).toBe(1);
    await granted(store, 'g4', 600);
    // Longer than a shared store's poll:
    await new Promise((r) => setTimeout(r, SHARED_GRANT_POLL_MS + 300));
    // Nothing read the store on its own: the grant made behind the book's back is not seen...
    expect(reads).toBe(1);
    expect(book.lookup(carol, 'kitchen')).toEqual([]);
    // ...until the book is told, as the access API does after every change it makes.
    await book.refresh();
    expect(reads).toBe(2);
    expect(book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g4']);
  });

  it('without a poll retries a failed reload until it lands: a revocation is never left unseen', async () => {
    const store = new MemoryAccessGrants();
    await granted(store, 'g5', 600);
    const { book, ended } = await bookOn(store, 'never', 50);
    expect(book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g5']);
    const activeGrants = store.activeGrants.bind(store);
    let failures = 2;
    store.activeGrants = (now) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(new Error('store unreachable'));
      }
      return activeGrants(now);
    };
    await store.revokeGrant('g5', 'bob', 'done', new Date());
    await expect(book.refresh()).rejects.toThrow('store unreachable');
    // Still in force right after the failed reload; the retries (every 50 ms) end it.
    expect(book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g5']);
    await expect.poll(() => book.lookup(carol, 'kitchen'), { timeout: 2000 }).toEqual([]);
    expect(failures).toBe(0);
    expect(ended).toMatchObject([{ why: 'revoked', by: 'bob', reason: 'done' }]);
  });

  it('finds grants again after a restart: they live in the store (PGlite)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-grants-'));
    try {
      const first = await PgliteStore.open({ dataDir: join(dir, 'store') });
      await first.migrate();
      await granted(first, 'g3', 600);
      await first.close();
      const second = await PgliteStore.open({ dataDir: join(dir, 'store') });
      try {
        await second.migrate();
        const { book } = await bookOn(second);
        expect(book.lookup(carol, 'kitchen').map((g) => g.id)).toEqual(['g3']);
        book.close();
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
