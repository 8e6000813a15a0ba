import { randomUUID } from 'node:crypto';
import { AirlockError, type RecordingEvent } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingStore, SessionSummary } from '../../src/index.js';
import { expectStoredAsRecorded, SessionScript, sha256Hex } from './helpers/session-script.js';
import { eventPagingCases } from './helpers/event-paging-cases.js';
import { STORE_BACKENDS, type OpenedStore } from './helpers/store-backends.js';

const T0 = new Date('2030-03-01T10:00:00.000Z');
const minutes = (n: number): Date => new Date(T0.getTime() + n * 60_000);

/** A tag unique to one test, so tests sharing a store never see each other's sessions. */
function tag(): string {
  return randomUUID().slice(0, 8);
}

function script(t: string, name: string, startAt = T0, subject = `user-${t}`, connection = `conn-${t}`) {
  return new SessionScript({ sessionId: `${t}-${name}`, subject, connection, startAt });
}

describe.each(STORE_BACKENDS)('RecordingStore on $name', (backend) => {
  let opened: OpenedStore;
  let store: RecordingStore;

  beforeAll(async () => {
    opened = await backend.open();
    store = opened.store;
    await store.migrate();
  });

  afterAll(async () => {
    await opened?.close();
  });

  async function listAll(filter: Parameters<RecordingStore['listSessions']>[0]): Promise<SessionSummary[]> {
    return [...(await store.listSessions(filter)).sessions];
  }

  it('migrates again without changing anything', async () => {
    await store.migrate();
    await store.migrate();
    const t = tag();
    const s = script(t, 'a').start().end('client_closed');
    expect(await store.insertEvents(s.events)).toEqual({ inserted: 2 });
  });

  it('stores each event once, however often it is delivered', async () => {
    const t = tag();
    const s = script(t, 'dup').start().call('search', { q: 'x' }).end('client_closed');
    expect(await store.insertEvents(s.events)).toEqual({ inserted: s.events.length });
    expect(await store.insertEvents(s.events)).toEqual({ inserted: 0 });
    // Redelivery overlapping a new event, with a duplicate inside the same batch.
    s.warning('late', 'a late warning');
    const late = s.events.at(-1)!;
    expect(await store.insertEvents([late, s.events[0]!, late])).toEqual({ inserted: 1 });

    expect(await store.getEvents(s.sessionId)).toHaveLength(s.events.length);
    const session = await store.getSession(s.sessionId);
    expect(session?.eventCount).toBe(s.events.length);
    expect(session?.gatewayMessageCount).toBe(2);
    expect(session?.warningCount).toBe(1);
  });

  it("keeps the client's name and the masked, denied and held counts on the session row", async () => {
    const t = tag();
    const s = script(t, 'markers')
      .start('gateway', { name: 'cursor-ide', version: '1.2' })
      .decided(
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'drop', arguments: {} } },
        { decision: { action: 'deny', rule: 'guardrail:no-drop' } },
      )
      .decided(
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'deploy', arguments: {} } },
        { decision: { action: 'hold', rule: 'guardrail:deploy' } },
      );
    const masking = [
      { type: 'aws_access_key', path: 'result.content[0].text', count: 2 },
      { type: 'email', path: 'result.content[1].text', count: 1 },
    ];
    const result = { jsonrpc: '2.0' as const, id: 3, result: { content: [] } };
    // The agent's copy of the same masking is not counted again.
    s.decided(result, { masking }, 'gateway').decided(result, { masking }, 'agent');
    // Two batches: the counts add up across deliveries, the first client name stays.
    await store.insertEvents(s.events.slice(0, 2));
    s.decided(
      { jsonrpc: '2.0', id: 4, method: 'initialize', params: { clientInfo: { name: 'other' } } },
      { decision: { action: 'deny' } },
    );
    await store.insertEvents(s.events.slice(2));
    await store.insertEvents(s.events);
    const session = await store.getSession(s.sessionId);
    expect(session).toMatchObject({ clientName: 'cursor-ide', maskedCount: 3, deniedCount: 2, heldCount: 1 });
    const listed = await listAll({ subject: `user-${t}`, limit: 10 });
    expect(listed[0]).toMatchObject({
      clientName: 'cursor-ide',
      maskedCount: 3,
      deniedCount: 2,
      heldCount: 1,
    });
  });

  it("takes a 2026-era client's name from the request's _meta", async () => {
    const t = tag();
    const s = script(t, 'modern')
      .start('gateway', {})
      .message({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: { _meta: { 'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '2' } } },
      });
    await store.insertEvents(s.events);
    expect((await store.getSession(s.sessionId))?.clientName).toBe('modern-client');
    const plain = script(t, 'plain').start('gateway', {}).call('search');
    await store.insertEvents(plain.events);
    expect(await store.getSession(plain.sessionId)).toMatchObject({
      clientName: undefined,
      maskedCount: 0,
      deniedCount: 0,
      heldCount: 0,
    });
  });

  it('stores a batch all or nothing', async () => {
    const t = tag();
    const s = script(t, 'tx').start().call('search');
    const broken = { ...s.events[1]!, id: `${t}-broken`, source: 'elsewhere' } as unknown as RecordingEvent;
    await expect(store.insertEvents([...s.events, broken])).rejects.toThrow();
    expect(await store.getEvents(s.sessionId)).toEqual([]);
    expect(await store.getSession(s.sessionId)).toBeUndefined();
  });

  it('gives events back exactly as recorded, so their hash chains still verify', async () => {
    const t = tag();
    // \u0000 and a lone surrogate are valid JSON that JSONB and PostgreSQL text cannot hold.
    const s = script(t, 'fidelity')
      .start('gateway', { name: 'evil\u0000client', version: '\ud800' })
      .call('odd\u0000tool', {
        text: 'nul \u0000 here',
        emoji: '🔐',
        big: 12345678901234,
        neg: -0.5,
        nested: [null, true],
      })
      .call('lone\udc00tool', { text: 'a tool name with a lone surrogate' })
      .start('agent')
      .call('odd\u0000tool', { text: 'agent side' }, 'ok', ['agent']);
    await store.insertEvents(s.events);
    expectStoredAsRecorded(await store.getEvents(s.sessionId), s.events);
    expect((await store.getSession(s.sessionId))?.tools).toEqual(['lone\uFFFDtool', 'odd\uFFFDtool']);
  });

  it('derives the session row from its events', async () => {
    const t = tag();
    const s = script(t, 'derive', T0)
      .start()
      .call('read_file', { path: '/etc/hosts' })
      .call('search', { q: 'a' })
      .call('read_file', { path: '/tmp/x' }, 'ok', ['gateway', 'agent']);
    await store.insertEvents(s.events);
    let session = await store.getSession(s.sessionId);
    expect(session).toMatchObject({
      id: s.sessionId,
      subject: `user-${t}`,
      email: `user-${t}@example.test`,
      groups: ['engineering'],
      connection: `conn-${t}`,
      era: 'legacy',
      protocolVersion: '2025-11-25',
      gatewayId: 'gw-1',
      agentId: 'agent-1',
      startedAt: T0.toISOString(),
      lastEventAt: s.events.at(-1)!.at,
      status: 'open',
      endedAt: undefined,
      endReason: undefined,
      tools: ['read_file', 'search'],
      eventCount: s.events.length,
      gatewayMessageCount: 6,
      agentMessageCount: 2,
    });

    // The agent reports first; the gateway's account of the end then wins.
    s.end('agent lost', 'agent');
    await store.insertEvents([s.events.at(-1)!]);
    session = await store.getSession(s.sessionId);
    expect(session).toMatchObject({ status: 'failed', endReason: 'agent lost' });
    s.end('client_closed', 'gateway');
    const gatewayEnd = s.events.at(-1)!;
    await store.insertEvents([gatewayEnd]);
    session = await store.getSession(s.sessionId);
    expect(session).toMatchObject({ status: 'ended', endReason: 'client_closed', endedAt: gatewayEnd.at });

    // ...and a late agent end cannot take it back.
    const other = script(t, 'derive2')
      .start()
      .end('client_closed', 'gateway')
      .end('upstream crashed', 'agent');
    await store.insertEvents(other.events.slice(0, 2));
    await store.insertEvents(other.events.slice(2));
    expect(await store.getSession(other.sessionId)).toMatchObject({
      status: 'ended',
      endReason: 'client_closed',
    });
  });

  it('marks a session that ended abnormally as failed', async () => {
    const t = tag();
    const s = script(t, 'crash').start().call('build').end('upstream_crashed');
    await store.insertEvents(s.events);
    expect(await store.getSession(s.sessionId)).toMatchObject({
      status: 'failed',
      endReason: 'upstream_crashed',
    });
    expect(await store.getSession(`${t}-missing`)).toBeUndefined();
  });

  it('keeps the session row right when batches arrive out of order', async () => {
    const t = tag();
    const s = script(t, 'order', minutes(5)).start().call('a').call('b').end('expired');
    const reversed = [...s.events].reverse();
    for (const event of reversed) await store.insertEvents([event]);
    expect(await store.getSession(s.sessionId)).toMatchObject({
      startedAt: minutes(5).toISOString(),
      lastEventAt: s.events.at(-1)!.at,
      status: 'ended',
      tools: ['a', 'b'],
      eventCount: s.events.length,
    });
  });

  it('searches by subject, connection, time, tool, status and message text', async () => {
    const t = tag();
    const alice = `alice-${t}`;
    const bob = `bob-${t}`;
    const sessions = [
      script(t, 's1', minutes(0), alice, `crm-${t}`)
        .start()
        .call('lookup', { customer: 'ACME Corp' })
        .end('client_closed'),
      script(t, 's2', minutes(60), alice, `wiki-${t}`).start().call('search', { q: 'say "hi" 100% done' }),
      script(t, 's3', minutes(120), bob, `crm-${t}`)
        .start()
        .call('delete_customer', { id: 7 })
        .end('agent_lost'),
      script(t, 's4', minutes(180), bob, `wiki-${t}`)
        .start()
        .call('search', { q: 'quarterly report' })
        .end('expired'),
    ];
    await store.insertEvents(sessions.flatMap((s) => s.events));
    const ids = (list: readonly SessionSummary[]) => list.map((s) => s.id.slice(t.length + 1));

    expect(ids(await listAll({ subject: alice, limit: 50 }))).toEqual(['s2', 's1']);
    expect(ids(await listAll({ connection: `crm-${t}`, limit: 50 }))).toEqual(['s3', 's1']);
    expect(ids(await listAll({ subject: bob, connection: `wiki-${t}`, limit: 50 }))).toEqual(['s4']);
    // Both users' matches, sorted by name.
    const mine = async (filter: Omit<Parameters<RecordingStore['listSessions']>[0], 'limit'>) =>
      [
        ...ids(await listAll({ ...filter, subject: alice, limit: 50 })),
        ...ids(await listAll({ ...filter, subject: bob, limit: 50 })),
      ].sort();
    // Time range: sessions active inside [from, to).
    expect(await mine({ from: minutes(59), to: minutes(121) })).toEqual(['s2', 's3']);
    expect(await mine({ from: minutes(1) })).toEqual(['s2', 's3', 's4']); // s1 lasted seconds, not a minute
    expect(await mine({ to: minutes(60) })).toEqual(['s1']);
    expect(await mine({ tool: 'search' })).toEqual(['s2', 's4']);
    expect(await mine({ tool: 'sear' })).toEqual([]);
    expect(await mine({ status: 'open' })).toEqual(['s2']);
    expect(await mine({ status: 'failed' })).toEqual(['s3']);
    expect(await mine({ status: 'ended' })).toEqual(['s1', 's4']);
    expect(await mine({ text: 'acme corp' })).toEqual(['s1']);
    expect(await mine({ text: 'say "hi" 100%' })).toEqual(['s2']);
    // Whole words, punctuation ignored: `_` and `%` separate words like a space.
    expect(await mine({ text: '100_ done' })).toEqual(['s2']);
    expect(await mine({ text: 'QUARTERLY' })).toEqual(['s4']);
    expect(await mine({ text: 'quarter' })).toEqual([]);
    expect(await mine({ text: 'delete_customer', status: 'failed' })).toEqual(['s3']);
    expect(await mine({ text: 'no such words anywhere' })).toEqual([]);
  });

  it('pages through sessions in a stable order, ties broken by id', async () => {
    const t = tag();
    const subject = `pager-${t}`;
    // Three pairs start at the same instant, so only the id orders them.
    const starts = [0, 0, 10, 10, 20, 20, 30];
    const all = starts.map((m, i) => script(t, `p${i}`, minutes(m), subject).start().end('client_closed'));
    await store.insertEvents(all.flatMap((s) => s.events));

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ subject, limit: 3, cursor });
      pageSizes.push(page.sessions.length);
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pageSizes).toEqual([3, 3, 1]);
    const expected = all
      .map((s, i) => ({ id: s.sessionId, at: starts[i]! }))
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((s) => s.id);
    expect(seen).toEqual(expected);

    // An exact page boundary has no further page.
    const exact = await store.listSessions({ subject, limit: 7 });
    expect(exact.sessions).toHaveLength(7);
    expect(exact.nextCursor).toBeUndefined();

    await expect(store.listSessions({ subject, limit: 3, cursor: 'not-a-cursor' })).rejects.toSatisfy(
      (error) => AirlockError.is(error, 'invalid_params'),
    );
    await expect(store.listSessions({ subject, limit: 0 })).rejects.toSatisfy((error) =>
      AirlockError.is(error, 'invalid_params'),
    );
  });

  it('returns events ordered by source and seq, optionally one source', async () => {
    const t = tag();
    const s = script(t, 'events').start('gateway').start('agent');
    for (let i = 0; i < 6; i += 1) s.call(`tool${i}`, { i }, 'ok', ['gateway', 'agent']);
    s.end('client_closed');
    // Delivered shuffled and in several batches, as two spools racing would deliver them.
    const shuffled = [...s.events].sort((a, b) => sha256Hex(a.id).localeCompare(sha256Hex(b.id)));
    await store.insertEvents(shuffled.slice(0, 10));
    await store.insertEvents(shuffled.slice(10));

    const events = await store.getEvents(s.sessionId);
    expect(events.map((e) => `${e.source}:${e.seq}`)).toEqual([
      ...Array.from({ length: 13 }, (_, i) => `agent:${i + 1}`),
      ...Array.from({ length: 14 }, (_, i) => `gateway:${i + 1}`),
    ]);
    const agent = await store.getEvents(s.sessionId, { source: 'agent' });
    expect(agent.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(agent.every((e) => e.source === 'agent')).toBe(true);
    expect(await store.getEvents(`${t}-nothing`)).toEqual([]);
  });

  describe('event pages', () => eventPagingCases(() => store));

  it('purges whole sessions older than the cutoff', async () => {
    const t = tag();
    const old = new Date('2001-01-01T00:00:00.000Z');
    const ancient = script(t, 'ancient', old).start().call('a').end('client_closed');
    const oldOpen = script(t, 'old-open', old).start().call('b');
    // Began before the cutoff but still active after it: kept whole.
    const longRunning = script(t, 'long', new Date('2001-12-31T23:59:58.000Z')).start().call('c');
    const recent = script(t, 'recent', T0).start().end('client_closed');
    for (const s of [ancient, oldOpen, longRunning, recent]) await store.insertEvents(s.events);
    // A call held in the ancient session goes with it; one in the recent session stays.
    const hold = (id: string, sessionId: string) =>
      store.holdCall({
        id,
        digest: `${id}-digest`,
        sessionId,
        connection: 'c',
        requester: { subject: 'alice', groups: [] },
        method: 'tools/call',
        target: 'a',
        params: '{"name":"a"}',
        rule: 'r',
        message: undefined,
        requirement: { approverGroups: ['g'], required: 1, requiredGroups: [] },
        holdSeconds: 60,
        rememberSeconds: 60,
        at: old,
      });
    await hold(`${t}-held-ancient`, ancient.sessionId);
    await hold(`${t}-held-recent`, recent.sessionId);

    const result = await store.purgeOlderThan(new Date('2002-01-01T00:00:00.000Z'));
    expect(await store.getApproval(`${t}-held-ancient`)).toBeUndefined();
    expect(await store.getApproval(`${t}-held-recent`)).toBeDefined();
    expect(result).toEqual({ sessions: 2, events: ancient.events.length + oldOpen.events.length });
    expect(await store.getSession(ancient.sessionId)).toBeUndefined();
    expect(await store.getEvents(oldOpen.sessionId)).toEqual([]);
    expect(await store.getEvents(longRunning.sessionId)).toHaveLength(longRunning.events.length);
    expect(await store.getSession(recent.sessionId)).toBeDefined();
    expect(await store.purgeOlderThan(new Date('2002-01-01T00:00:00.000Z'))).toEqual({
      sessions: 0,
      events: 0,
    });
  });
});
