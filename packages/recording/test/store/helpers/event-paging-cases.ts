import { randomUUID } from 'node:crypto';
import { AirlockError, type RecordingEvent, type RecordingSource } from '@airlock/core';
import { expect, it } from 'vitest';
import {
  eventPages,
  type EventPageQuery,
  type EventPagesOptions,
  type RecordingStore,
} from '../../../src/index.js';
import { SessionScript, sha256Hex } from './session-script.js';

/**
 * The paging contract of `getEventPage` and `eventPages`, shared by every engine and by the
 * encrypted store: pages are the unpaged read cut into pieces, nothing lost, nothing twice.
 */
export function eventPagingCases(store: () => RecordingStore): void {
  it('pages concatenate to exactly the unpaged read, duplicates and the agent/gateway boundary included', async () => {
    const s = scriptWithDuplicates();
    await insertShuffled(store(), s.events);
    const all = await store().getEvents(s.sessionId);
    expect(new Set(all.map((e) => e.id))).toEqual(new Set(s.events.map((e) => e.id)));
    // By source, then seq (ties by id, in the database's text order).
    const keys = all.map((e) => [e.source, e.seq] as const);
    expect([...keys].sort(([a, x], [b, y]) => a.localeCompare(b) || x - y)).toEqual(keys);

    for (const pageSize of [1, 2, 3, 4, 7, 31, 1000]) {
      const { pages, calls } = await readPages(store(), s.sessionId, { pageSize });
      expect(pages.flat(), `page size ${pageSize}`).toEqual(all);
      expect(pages.every((p) => p.length >= 1 && p.length <= pageSize)).toBe(true);
      // The last page says it is the last: no empty page follows an exactly full one.
      expect(calls, `page size ${pageSize}`).toBe(Math.ceil(all.length / pageSize));
    }
    for (const source of ['agent', 'gateway'] as const) {
      const { pages } = await readPages(store(), s.sessionId, { pageSize: 3, source });
      expect(pages.flat()).toEqual(all.filter((e) => e.source === source));
      expect(await store().getEvents(s.sessionId, { source })).toEqual(pages.flat());
    }
  });

  it('continues after any position, between two events that share a seq too', async () => {
    const s = scriptWithDuplicates();
    await store().insertEvents(s.events);
    const all = await store().getEvents(s.sessionId);
    const duplicated = all.findIndex((e, i) => all[i + 1]?.seq === e.seq && all[i + 1]?.source === e.source);
    expect(duplicated).toBeGreaterThanOrEqual(0);
    for (const index of [0, duplicated, all.length - 2]) {
      const after = position(all[index]!);
      const page = await store().getEventPage(s.sessionId, { after, limit: 2 });
      expect(page.events).toEqual(all.slice(index + 1, index + 3));
      expect(await store().getEvents(s.sessionId, { after })).toEqual(all.slice(index + 1));
    }
    const last = await store().getEventPage(s.sessionId, { after: position(all.at(-1)!), limit: 5 });
    expect(last).toEqual({ events: [], next: undefined });
  });

  it('cuts a page at its byte budget, but always gives at least one event', async () => {
    const t = randomUUID().slice(0, 8);
    const s = new SessionScript({
      sessionId: `${t}-bytes`,
      subject: 'u',
      connection: 'c',
      startAt: new Date(),
    })
      .start('gateway')
      .start('agent');
    for (let i = 0; i < 6; i += 1) s.call(`tool${i}`, { i }, 'x'.repeat(3000 + i), ['gateway', 'agent']);
    await store().insertEvents(s.events);
    const all = await store().getEvents(s.sessionId);

    const tiny = await readPages(store(), s.sessionId, { pageSize: 1000, maxBytes: 1 });
    expect(tiny.pages.map((p) => p.length)).toEqual(all.map(() => 1));
    expect(tiny.pages.flat()).toEqual(all);

    const budget = 10_000;
    const { pages } = await readPages(store(), s.sessionId, { pageSize: 1000, maxBytes: budget });
    expect(pages.flat()).toEqual(all);
    expect(pages.some((p) => p.length > 1)).toBe(true);
    for (const page of pages) {
      // The store counts stored text: at least the plaintext (ciphertext is larger).
      if (page.length > 1)
        expect(page.reduce((sum, e) => sum + plainBytes(e), 0)).toBeLessThanOrEqual(budget);
    }
  });

  it('sees events stored while a reader is between pages', async () => {
    const t = randomUUID().slice(0, 8);
    const s = new SessionScript({
      sessionId: `${t}-live`,
      subject: 'u',
      connection: 'c',
      startAt: new Date(),
    })
      .start()
      .call('a')
      .call('b');
    await store().insertEvents(s.events);
    const first = await store().getEventPage(s.sessionId, { limit: 3 });
    expect(first.next).toBeDefined();
    s.call('c').end('client_closed');
    await store().insertEvents(s.events.slice(5));
    const rest = await readPages(store(), s.sessionId, { pageSize: 2, after: first.next });
    expect([...first.events, ...rest.pages.flat()].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a page size outside 1..1000, a byte budget below 1 and a seq no event can have', async () => {
    const queries: EventPageQuery[] = [
      { limit: 0 },
      { limit: 1001 },
      { limit: 2.5 },
      { limit: 10, maxBytes: 0 },
      { limit: 10, after: { source: 'gateway', seq: 2 ** 40, id: 'x' } },
    ];
    for (const query of queries) {
      await expect(store().getEventPage('any', query)).rejects.toSatisfy(
        (error) =>
          AirlockError.is(error, 'invalid_params') &&
          /page size|byte budget|seq is a whole number/.test((error as Error).message),
      );
    }
    expect(await store().getEventPage(`${randomUUID()}-none`, { limit: 10 })).toEqual({
      events: [],
      next: undefined,
    });
  });
}

/**
 * Both records of a session with events that share a seq: the store keeps a second event claiming
 * a (source, seq), so that verification can report it, and paging must neither drop nor repeat it.
 * One duplicate's id holds U+0000, which PostgreSQL text stores as U+FFFD.
 */
function scriptWithDuplicates(): SessionScript {
  const t = randomUUID().slice(0, 8);
  const s = new SessionScript({ sessionId: `${t}-pages`, subject: 'u', connection: 'c', startAt: new Date() })
    .start('gateway')
    .start('agent');
  for (let i = 0; i < 5; i += 1) s.call(`tool${i}`, { i }, `result ${i}`, ['gateway', 'agent']);
  s.end('client_closed', 'agent').end('client_closed', 'gateway');
  const copy = (source: RecordingSource, seq: number, suffix: string, text: string): RecordingEvent => {
    const original = s.events.find((e) => e.source === source && e.seq === seq)!;
    return { ...original, id: `${original.id}${suffix}`, warning: { code: 'dup', message: text } };
  };
  const lastGateway = Math.max(...s.events.filter((e) => e.source === 'gateway').map((e) => e.seq));
  const lastAgent = Math.max(...s.events.filter((e) => e.source === 'agent').map((e) => e.seq));
  s.events.push(
    copy('gateway', 3, ':dup-a', 'one'),
    copy('agent', 5, ':dup-b', 'two'),
    copy('agent', 5, ':dup-\u0000c', 'three'),
    // Duplicates of the last event of each source, on both sides of the agent/gateway boundary.
    copy('agent', lastAgent, ':dup-d', 'four'),
    copy('gateway', 1, ':dup-e', 'five'),
    copy('gateway', lastGateway, ':dup-f', 'six'),
  );
  return s;
}

async function insertShuffled(store: RecordingStore, events: readonly RecordingEvent[]): Promise<void> {
  const shuffled = [...events].sort((a, b) => sha256Hex(a.id).localeCompare(sha256Hex(b.id)));
  const half = Math.floor(shuffled.length / 2);
  await store.insertEvents(shuffled.slice(0, half));
  await store.insertEvents(shuffled.slice(half));
}

async function readPages(
  store: RecordingStore,
  sessionId: string,
  options: EventPagesOptions,
): Promise<{ pages: RecordingEvent[][]; calls: number }> {
  let calls = 0;
  const counting: Pick<RecordingStore, 'getEventPage'> = {
    getEventPage: (id, query) => {
      calls += 1;
      return store.getEventPage(id, query);
    },
  };
  const pages: RecordingEvent[][] = [];
  for await (const page of eventPages(counting, sessionId, options)) pages.push(page);
  return { pages, calls };
}

function position(event: RecordingEvent): { source: RecordingSource; seq: number; id: string } {
  return { source: event.source, seq: event.seq, id: event.id };
}

function plainBytes(event: RecordingEvent): number {
  const { message, ...envelope } = event;
  return (
    Buffer.byteLength(JSON.stringify(envelope)) + (message ? Buffer.byteLength(JSON.stringify(message)) : 0)
  );
}
