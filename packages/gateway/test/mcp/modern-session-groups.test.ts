import type { Caller, JsonRpcMessage, RelayContext } from '@airlock/core';
import { PostgresStore, type ModernGroupStore } from '@airlock/recording';
import { startPostgres, waitFor, type RunningPostgres } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModernSessionGroups, type JoinedGroup } from '../../src/mcp/modern-session-groups.js';

/**
 * Two "gateways" (two ModernSessionGroups on one real PostgreSQL, each with its own chain name)
 * serving one client's stateless requests.
 */

const IDLE_MS = 600;
const alice: Caller = { subject: 'alice', groups: [], anonymous: false };

function request(client: string): JsonRpcMessage {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', _meta: { 'io.modelcontextprotocol/clientInfo': { name: client, version: '1' } } },
  };
}

interface Gateway {
  readonly groups: ModernSessionGroups;
  readonly ended: { sessionId: string; chain: string | undefined; reason: string }[];
  join(client?: string): Promise<JoinedGroup>;
}

function gateway(store: ModernGroupStore | undefined, chain: string): Gateway {
  const ended: Gateway['ended'] = [];
  const groups = new ModernSessionGroups(
    IDLE_MS,
    (context: RelayContext, reason) =>
      ended.push({ sessionId: context.sessionId, chain: context.chain, reason }),
    store ? { store, chain, logger: pino({ enabled: false }) } : undefined,
  );
  return {
    groups,
    ended,
    join: (client = 'ide') => groups.join(alice, 'billing', request(client), 'modern', '2026-07-28'),
  };
}

let postgres: RunningPostgres;
let store: PostgresStore;
const opened: Gateway[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  store = PostgresStore.open({ connectionString: await postgres.createDatabase('groups') });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  for (const g of opened) g.groups.closeAll('gateway_shutdown');
  await store?.close();
  await postgres?.stop();
});

function pair(): [Gateway, Gateway] {
  const a = gateway(store.modernGroups, 'aaaaaaaa');
  const b = gateway(store.modernGroups, 'bbbbbbbb');
  opened.push(a, b);
  return [a, b];
}

describe('modern-era groups shared through the store', () => {
  it('give one client one session id on every gateway, each gateway on its own chain, asking the store once per gateway', async () => {
    const [a, b] = pair();
    const first = await a.join('one-id');
    const second = await b.join('one-id');
    expect(second.context.sessionId).toBe(first.context.sessionId);
    expect([first.context.chain, second.context.chain]).toEqual(['aaaaaaaa', 'bbbbbbbb']);
    first.release();
    second.release();
    // Later requests use the id each gateway holds: no store round trip on their path.
    for (let i = 0; i < 5; i++) {
      const again = await (i % 2 === 0 ? a : b).join('one-id');
      expect(again.context.sessionId).toBe(first.context.sessionId);
      again.release();
    }
    expect([a.groups.storeClaims, b.groups.storeClaims]).toEqual([1, 1]);
    // Another client of the same person is another group.
    const other = await a.join('another-client');
    expect(other.context.sessionId).not.toBe(first.context.sessionId);
    other.release();
  });

  it('keep a group alive on a gateway that is idle while another serves it, then end every chain once, as expired', async () => {
    const [a, b] = pair();
    const opening = await a.join('busy-elsewhere');
    const sessionId = opening.context.sessionId;
    opening.release();
    // Gateway b serves the client for three idle times; gateway a sees nothing of it.
    const until = Date.now() + 3 * IDLE_MS;
    while (Date.now() < until) {
      const joined = await b.join('busy-elsewhere');
      expect(joined.context.sessionId).toBe(sessionId);
      await new Promise((resolve) => setTimeout(resolve, 50));
      joined.release();
    }
    expect(a.ended).toEqual([]);
    expect(b.ended).toEqual([]);
    // Quiet everywhere: each gateway ends its own chain, once.
    await waitFor('both chains ended', async () =>
      a.ended.length > 0 && b.ended.length > 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    expect(a.ended).toEqual([{ sessionId, chain: 'aaaaaaaa', reason: 'expired' }]);
    expect(b.ended).toEqual([{ sessionId, chain: 'bbbbbbbb', reason: 'expired' }]);
    // The group is over in the cluster: the next request starts a new one on either gateway.
    const next = await b.join('busy-elsewhere');
    const nextOnA = await a.join('busy-elsewhere');
    expect(next.context.sessionId).not.toBe(sessionId);
    expect(nextOnA.context.sessionId).toBe(next.context.sessionId);
    next.release();
    nextOnA.release();
  }, 20_000);

  it('never expire a group under a request still being answered', async () => {
    const [a] = pair();
    const long = await a.join('long-request');
    await new Promise((resolve) => setTimeout(resolve, 3 * IDLE_MS));
    expect(a.ended).toEqual([]);
    const joined = await a.join('long-request');
    expect(joined.context.sessionId).toBe(long.context.sessionId);
    joined.release();
    long.release();
  }, 10_000);

  it('go on without the store: the request is served in a group kept on this gateway alone', async () => {
    const failing: ModernGroupStore = {
      claimModernGroup: () => Promise.reject(new Error('connection refused')),
      renewModernGroups: () => Promise.reject(new Error('connection refused')),
      purgeModernGroups: () => Promise.reject(new Error('connection refused')),
    };
    const lonely = gateway(failing, 'cccccccc');
    opened.push(lonely);
    const first = await lonely.join();
    const second = await lonely.join();
    expect(second.context.sessionId).toBe(first.context.sessionId);
    first.release();
    second.release();
    await waitFor('the group kept here expired', async () => (lonely.ended.length > 0 ? true : undefined));
    expect(lonely.ended).toEqual([
      { sessionId: first.context.sessionId, chain: 'cccccccc', reason: 'expired' },
    ]);
  }, 10_000);
});

describe('modern-era groups of a single gateway', () => {
  it('stay in memory, on one chain, and expire when idle', async () => {
    const single = gateway(undefined, 'unused');
    opened.push(single);
    const first = await single.join();
    expect(first.context.chain).toBeUndefined();
    first.release();
    const second = await single.join();
    expect(second.context.sessionId).toBe(first.context.sessionId);
    second.release();
    expect(single.groups.storeClaims).toBe(0);
    await waitFor('the idle group expired', async () => (single.ended.length > 0 ? true : undefined));
    expect(single.ended).toEqual([
      { sessionId: first.context.sessionId, chain: undefined, reason: 'expired' },
    ]);
  }, 10_000);
});
