import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import {
  WorkerStore,
  verifySession,
  type RecordingStore,
  type SessionSummary,
  type SessionVerification,
} from '@airlock/recording';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownTranscript, type GatewayHttp } from '../../src/index.js';
import { RecordedSession } from './helpers/recorded-session.js';
import { startSessionsGateway } from './helpers/sessions-gateway.js';

/** Export and verify read the store this many events at a time. */
const PAGE = 5;

interface EventsPage {
  sessionId: string;
  events: RecordingEvent[];
  nextCursor?: string;
}

// Many pages long, and broken in the ways verification must still see across page boundaries.
const long = new RecordedSession({
  id: 'sess-long',
  subject: 'dave',
  connection: 'demo',
  startAt: new Date(Date.UTC(2026, 2, 1, 8, 0, 0)),
}).start();
for (let i = 0; i < 12; i += 1) long.call('echo', { i }, { text: `reply ${i}` });
long.end('client_closed');

let stored: RecordingEvent[];
let dir: string;
let store: WorkerStore;
let gateway: GatewayHttp;

/** The store's read order: source, seq, id. */
function storeOrder(events: readonly RecordingEvent[]): RecordingEvent[] {
  return [...events].sort(
    (a, b) => a.source.localeCompare(b.source) || a.seq - b.seq || (a.id < b.id ? -1 : 1),
  );
}

/**
 * What the store holds: the session with a second event claiming an agent seq, one gateway event
 * edited after it was hashed, and a run of gateway events lost right after the last event of a
 * page, so that the gap spans a page boundary of export and verify.
 */
function brokenCopy(): { events: RecordingEvent[]; lost: readonly number[]; tampered: RecordingEvent } {
  const again = long.events.find((e) => e.source === 'agent' && e.seq === 4)!;
  const withDuplicate = storeOrder([...long.events, { ...again, id: `${again.id}-again` }]);
  const endsPage = withDuplicate.findIndex(
    (e, i) => e.source === 'gateway' && e.seq > 3 && (i + 1) % PAGE === 0,
  );
  const first = withDuplicate[endsPage]!.seq + 1;
  const lost = [first, first + 1, first + 2];
  const tampered = { ...withDuplicate.find((e) => e.source === 'gateway' && e.seq === first + 6)! };
  Object.assign(tampered, { connection: 'elsewhere' });
  const events = withDuplicate
    .filter((e) => !(e.source === 'gateway' && lost.includes(e.seq)))
    .map((e) => (e.id === tampered.id ? tampered : e));
  return { events, lost, tampered };
}
const broken = brokenCopy();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-sessions-paging-'));
  // The worker-thread store, as the gateway runs the embedded store: pages cross the thread too.
  store = await WorkerStore.open({ dataDir: join(dir, 'store') });
  await store.migrate();
  await store.insertEvents(broken.events);
  stored = await store.getEvents('sess-long');
  gateway = await startSessionsGateway(store, PAGE);
});
afterAll(async () => {
  await gateway?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<Response> {
  return fetch(`${gateway.url}/api/v1/sessions/sess-long${path}`);
}

async function json<T>(response: Response, status = 200): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

async function allPages(query: string): Promise<EventsPage[]> {
  const pages: EventsPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await json<EventsPage>(
      await get(`/events?${query}${cursor === undefined ? '' : `&after=${cursor}`}`),
    );
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 1000);
  return pages;
}

describe('events, a page at a time', () => {
  it('follows nextCursor through every event in order, nothing lost or repeated, and says which page is last', async () => {
    expect(stored.length).toBeGreaterThan(4 * PAGE);
    const pages = await allPages('limit=7');
    expect(pages.flatMap((p) => p.events)).toEqual(stored);
    expect(pages).toHaveLength(Math.ceil(stored.length / 7));
    expect(pages.every((p) => p.sessionId === 'sess-long')).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.events.length === 7 && typeof p.nextCursor === 'string')).toBe(
      true,
    );
    expect(pages.at(-1)).not.toHaveProperty('nextCursor');

    const agent = await allPages('source=agent&limit=4');
    expect(agent.flatMap((p) => p.events)).toEqual(stored.filter((e) => e.source === 'agent'));
    // Without a limit: 500 events a page, so this session is one page.
    const whole = await json<EventsPage>(await get('/events'));
    expect(whole.events).toEqual(stored);
    expect(whole).not.toHaveProperty('nextCursor');
  });

  it('refuses a cursor it did not issue, and a cursor into the other record, saying what to do', async () => {
    for (const after of [
      'garbage',
      Buffer.from('["gateway","x","id"]').toString('base64url'),
      Buffer.from('["gateway",99999999999,"id"]').toString('base64url'),
      '%00',
    ]) {
      const body = await json<{ error: { code: string; message: string } }>(
        await get(`/events?after=${after}`),
        400,
      );
      expect(body.error).toEqual({
        code: 'invalid_params',
        message: expect.stringContaining('start again without "after"'),
      });
    }
    const [first] = await allPages('source=agent&limit=3');
    const mixed = await json<{ error: { code: string; message: string } }>(
      await get(`/events?source=gateway&after=${first!.nextCursor}`),
      400,
    );
    expect(mixed.error.message).toContain("continues the agent's record, but source=gateway was asked for");
    for (const query of ['limit=0', 'limit=1001', 'limit=two', 'cursor=abc', 'after=a&after=b']) {
      const body = await json<{ error: { code: string; message: string } }>(
        await get(`/events?${query}`),
        400,
      );
      expect(body.error.code, query).toBe('invalid_params');
    }
    const misspelt = await json<{ error: { message: string } }>(await get('/events?cursor=abc'), 400);
    expect(misspelt.error.message).toContain('"after"');
  });
});

describe('export and verify of a session longer than a page', () => {
  it('exports JSONL: every stored event once, in the store order', async () => {
    const response = await get('/export?format=jsonl');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as RecordingEvent)).toEqual(stored);
  });

  it('exports the same Markdown transcript as one built from all events at once', async () => {
    const summary = (await store.getSession('sess-long')) as SessionSummary;
    const response = await get('/export?format=markdown');
    expect(response.headers.get('content-type')).toContain('text/markdown');
    const text = await response.text();
    expect(text).toBe(markdownTranscript(summary, stored));
    expect(text.match(/^### /gm)).toHaveLength(stored.length);
    const agentOnly = await (await get('/export?format=markdown&source=agent')).text();
    expect(agentOnly).toBe(
      markdownTranscript(
        summary,
        stored.filter((e) => e.source === 'agent'),
      ),
    );
  });

  it('verifies page by page with the report verifySession gives: the gap across a page boundary, the edit, the duplicate', async () => {
    const report = await json<SessionVerification>(await get('/verify'));
    expect(report).toEqual({ ...verifySession(stored), sessionId: 'sess-long' });
    expect(report.ok).toBe(false);
    const [lostFirst, , lostLast] = broken.lost;
    // The events either side of the gap are read in different pages.
    const before = stored.findIndex((e) => e.source === 'gateway' && e.seq === lostFirst! - 1);
    expect(stored[before + 1]).toMatchObject({ source: 'gateway', seq: lostLast! + 1 });
    expect(Math.floor(before / PAGE)).not.toBe(Math.floor((before + 1) / PAGE));
    expect(report.chains.gateway.breaks).toEqual(
      expect.arrayContaining([
        {
          seq: lostFirst,
          eventId: undefined,
          problem: 'gap',
          detail: `events ${lostFirst}..${lostLast} are missing`,
        },
        expect.objectContaining({
          seq: broken.tampered.seq,
          eventId: broken.tampered.id,
          problem: 'hash_mismatch',
        }),
      ]),
    );
    expect(report.chains.agent.breaks).toEqual([
      expect.objectContaining({ seq: 4, problem: 'duplicate', detail: 'seq 4 appears twice' }),
    ]);
    // The gateway requests lost with the gap are reported as missing from its record.
    expect(report.agreement.mismatches.map((m) => m.problem)).toContain('missing_in_gateway');
  });
});

describe('export backpressure', () => {
  it('reads the next page only as fast as the client takes the export, and stops when it leaves', async () => {
    // 40 MB in 2 MB pages: far more than socket buffers hold.
    const big = new RecordedSession({
      id: 'sess-big',
      subject: 'dave',
      connection: 'demo',
      startAt: new Date(Date.UTC(2026, 2, 2, 8, 0, 0)),
    }).start();
    for (let i = 0; i < 50; i += 1) big.call('dump', { i }, { text: `${i}`.padEnd(400_000, 'x') });
    await store.insertEvents(big.events);
    let pagesRead = 0;
    const counting: RecordingStore = {
      migrate: () => store.migrate(),
      toolPins: (connection) => store.toolPins(connection),
      recordToolSightings: (connection, tools, at) => store.recordToolSightings(connection, tools, at),
      acceptTools: (connection, tools, by, at) => store.acceptTools(connection, tools, by, at),
      requestAccess: (request) => store.requestAccess(request),
      getGrant: (id) => store.getGrant(id),
      listGrants: (filter) => store.listGrants(filter),
      decideGrant: (id, decision, now) => store.decideGrant(id, decision, now),
      revokeGrant: (id, by, reason, now) => store.revokeGrant(id, by, reason, now),
      activeGrants: (now) => store.activeGrants(now),
      insertEvents: (events) => store.insertEvents(events),
      insertAgentEvents: (agentId, payloads) => store.insertAgentEvents(agentId, payloads),
      insertSpooledEvents: (payloads) => store.insertSpooledEvents(payloads),
      listSessions: (filter) => store.listSessions(filter),
      getSession: (id, scope) => store.getSession(id, scope),
      getEvents: (id, query) => store.getEvents(id, query),
      getEventPage: (id, query) => {
        pagesRead += 1;
        return store.getEventPage(id, query);
      },
      indexStoredMessages: () => store.indexStoredMessages(),
      purgeOlderThan: (cutoff) => store.purgeOlderThan(cutoff),
      holdCall: (request) => store.holdCall(request),
      getApproval: (id) => store.getApproval(id),
      listApprovals: (filter) => store.listApprovals(filter),
      voteOnApproval: (id, vote, now) => store.voteOnApproval(id, vote, now),
      expireApproval: (id, now) => store.expireApproval(id, now),
      claimRelease: (id, by, now) => store.claimRelease(id, by, now),
      storeOutcome: (id, outcome, now) => store.storeOutcome(id, outcome, now),
      saveConsoleRecord: (kind, key, sealed, expiresAt) =>
        store.saveConsoleRecord(kind, key, sealed, expiresAt),
      loadConsoleRecord: (kind, key) => store.loadConsoleRecord(kind, key),
      takeConsoleRecord: (kind, key) => store.takeConsoleRecord(kind, key),
      watchChanges: (onChange) => store.watchChanges(onChange),
      listSessionChanges: (filter) => store.listSessionChanges(filter),
      listApprovalChanges: (filter) => store.listApprovalChanges(filter),
      close: () => store.close(),
    };
    const slow = await startSessionsGateway(counting, PAGE);
    const totalPages = Math.ceil(big.events.length / PAGE);
    const exportOf = () =>
      new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(`${slow.url}/api/v1/sessions/sess-big/export?format=jsonl`, resolve).on('error', reject),
      );
    try {
      // A client that stops reading: the gateway stops reading the store soon after.
      const paused = await exportOf();
      paused.pause();
      await sleep(1500);
      const whilePaused = pagesRead;
      expect(whilePaused).toBeLessThan(totalPages / 2);
      // Reading on, it gets the whole session.
      let bytes = 0;
      paused.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      paused.resume();
      await once(paused, 'end');
      expect(bytes).toBeGreaterThan(40_000_000);
      expect(pagesRead).toBe(totalPages);

      // A client that leaves mid-way: no further pages are read for it.
      pagesRead = 0;
      const leaving = await exportOf();
      await once(leaving, 'data');
      leaving.destroy();
      await sleep(1000);
      const afterLeaving = pagesRead;
      expect(afterLeaving).toBeLessThan(totalPages / 2);
      await sleep(500);
      expect(pagesRead).toBe(afterLeaving);
    } finally {
      await slow.close();
    }
  });
});
