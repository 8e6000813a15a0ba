import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { configSchema, type GatewayConfig, type RecordingEvent } from '@airlock/core';
import {
  PgliteStore,
  type SessionPage,
  type SessionSummary,
  type SessionVerification,
} from '@airlock/recording';
import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOriginPolicy,
  createSessionAccess,
  createSessionsApi,
  startGatewayHttp,
  type GatewayHttp,
} from '../../src/index.js';
import { NoAgentDirectory } from '../identity/helpers/identity-harness.js';
import { RecordedSession } from './helpers/recorded-session.js';

const PUBLIC_URL = 'https://airlock.example.test';
const logger = pino({ enabled: false });
const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);

// alice (sre) and carol (contractors) are ordinary users; bob is in the auditors group.
const aliceFirst = new RecordedSession({
  id: 'sess-alice-1',
  subject: 'alice',
  connection: 'demo',
  startAt: new Date(T0),
})
  .start()
  .call('echo', { text: 'hello world' }, { text: 'hello world' })
  .call(
    'read_secret',
    { name: 'db' },
    {
      text: 'AKIAABCDEFGHIJKLMNOP',
      masked: '[MASKED:aws_key]',
      masking: [{ type: 'aws_key', path: '$.result.content[0].text', count: 1 }],
    },
  )
  .end('client_closed');
const aliceSecond = new RecordedSession({
  id: 'sess-alice-2',
  subject: 'alice',
  connection: 'other',
  startAt: new Date(T0 + 3_600_000),
})
  .start()
  .call('list_files', { dir: '/tmp' }, { text: 'a.txt b.txt' });
const carols = new RecordedSession({
  id: 'sess-carol-1',
  subject: 'carol',
  connection: 'demo',
  startAt: new Date(T0 + 7_200_000),
})
  .start()
  .call('echo', { text: 'carol was here' }, { text: 'carol was here' })
  .call('rm_rf', { path: '/' }, { text: '' }, { decision: { action: 'deny', rule: 'no-rm' } })
  .end('upstream_failed');
// The gateway says it forwarded request 2, but the agent's record has no trace of it.
const unrecorded = new RecordedSession({
  id: 'sess-unrecorded',
  subject: 'alice',
  connection: 'demo',
  startAt: new Date(T0 - 3_600_000),
})
  .start()
  .call('echo', { text: 'one' }, { text: 'one' })
  .call('echo', { text: 'two' }, { text: 'two' }, { agentSees: false })
  .end('client_closed');
// A byte of this session's third gateway event is flipped in the store after it was recorded.
const tampered = new RecordedSession({
  id: 'sess-tampered',
  subject: 'alice',
  connection: 'demo',
  startAt: new Date(T0 - 7_200_000),
})
  .start()
  .call('echo', { text: 'pay 100 EUR' }, { text: 'paid' })
  .end('client_closed');
const all = [aliceFirst, aliceSecond, carols, unrecorded, tampered];
const tamperedEvent = tampered.events.find((e) => e.source === 'gateway' && e.seq === 2) as RecordingEvent;

let dir: string;
let store: PgliteStore;
let idp: TestIdentityProvider;
let gateway: GatewayHttp;
let openGateway: GatewayHttp;
const tokens: Record<string, string> = {};

function config(auth: Record<string, unknown>): GatewayConfig {
  return configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: PUBLIC_URL,
      tunnel: { tls: { certFile: 'unused.pem', keyFile: 'unused.key' } },
      auth,
      audit: { groups: ['auditors'] },
    },
  }).gateway as GatewayConfig;
}

async function start(cfg: GatewayConfig): Promise<GatewayHttp> {
  return startGatewayHttp({
    config: cfg,
    directory: new NoAgentDirectory(),
    logger,
    sessionsApi: createSessionsApi({
      store,
      access: createSessionAccess(cfg, logger),
      originPolicy: createOriginPolicy({ allowedOrigins: [], publicUrl: cfg.publicUrl, loopback: true }),
      logger,
    }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-sessions-api-'));
  const dataDir = join(dir, 'store');
  const first = await PgliteStore.open({ dataDir });
  await first.migrate();
  await first.insertEvents(all.flatMap((s) => s.events));
  await first.close();
  // Tamper with the stored JSON text directly, as someone with database access would.
  const db = await PGlite.create(dataDir);
  const changed = await db.query(
    `UPDATE recording_events SET message = replace(message, 'pay 100 EUR', 'pay 900 EUR') WHERE id = $1`,
    [tamperedEvent.id],
  );
  expect(changed.affectedRows).toBe(1);
  await db.close();
  store = await PgliteStore.open({ dataDir });

  idp = await startTestIdentityProvider();
  gateway = await start(config({ mode: 'oidc', issuers: [{ issuer: idp.issuer }] }));
  openGateway = await start(config({ mode: 'none' }));
  for (const user of ['alice', 'bob', 'carol']) {
    tokens[user] = await idp.issueAccessToken({ user, resource: PUBLIC_URL });
  }
});
afterAll(async () => {
  await gateway?.close();
  await openGateway?.close();
  await idp?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(
  path: string,
  user?: string,
  on: GatewayHttp = gateway,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(
    `${on.url.startsWith('http://') ? on.url : `http://127.0.0.1:${on.port}`}/api/v1/sessions${path}`,
    {
      headers: { ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}), ...headers },
    },
  );
}

async function json<T>(response: Response, status = 200): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

async function ids(path: string, user?: string, on?: GatewayHttp): Promise<string[]> {
  const page = await json<SessionPage>(await get(path, user, on));
  return page.sessions.map((s) => s.id);
}

describe('who sees which recorded session', () => {
  it('refuses a caller without a token (401) and a token for a connection rather than the gateway', async () => {
    const none = await get('');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(JSON.stringify(await none.json())).toContain('The Airlock API needs an access token');
    const wrongAudience = await idp.issueAccessToken({ user: 'bob', resource: `${PUBLIC_URL}/mcp/demo` });
    const response = await fetch(`http://127.0.0.1:${gateway.port}/api/v1/sessions`, {
      headers: { authorization: `Bearer ${wrongAudience}` },
    });
    expect(response.status).toBe(401);
  });

  it('shows an auditor every session, newest first', async () => {
    expect(await ids('', 'bob')).toEqual([
      'sess-carol-1',
      'sess-alice-2',
      'sess-alice-1',
      'sess-unrecorded',
      'sess-tampered',
    ]);
    expect(await ids('?subject=carol', 'bob')).toEqual(['sess-carol-1']);
  });

  it("shows a user only their own sessions, and someone else's as not found", async () => {
    expect(await ids('', 'carol')).toEqual(['sess-carol-1']);
    expect(await ids('', 'alice')).toEqual([
      'sess-alice-2',
      'sess-alice-1',
      'sess-unrecorded',
      'sess-tampered',
    ]);
    // Asking for another subject's sessions finds nothing rather than widening the search.
    expect(await ids('?subject=carol', 'alice')).toEqual([]);
    for (const view of ['', '/events', '/export?format=jsonl', '/verify']) {
      const theirs = await get(`/sess-carol-1${view}`, 'alice');
      const unknown = await get(`/sess-nobody${view}`, 'alice');
      expect(theirs.status).toBe(404);
      expect(unknown.status).toBe(404);
      const [a, b] = [
        (await theirs.json()) as { error: { code: string } },
        (await unknown.json()) as { error: { code: string } },
      ];
      expect(a.error.code).toBe('recording_not_found');
      expect(b.error.code).toBe('recording_not_found');
    }
    const mine = await json<SessionSummary>(await get('/sess-carol-1', 'carol'));
    expect(mine).toMatchObject({
      id: 'sess-carol-1',
      subject: 'carol',
      status: 'failed',
      tools: ['echo', 'rm_rf'],
    });
  });

  it('shows everything on a loopback gateway without authentication', async () => {
    expect(await ids('', undefined, openGateway)).toHaveLength(5);
  });

  it('refuses a page from another origin (a browser tricked into reading recordings)', async () => {
    const response = await get('', 'bob', gateway, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });
});

describe('searching', () => {
  it('filters by connection, tool, status, text and time', async () => {
    expect(await ids('?connection=other', 'bob')).toEqual(['sess-alice-2']);
    expect(await ids('?tool=read_secret', 'bob')).toEqual(['sess-alice-1']);
    expect(await ids('?status=open', 'bob')).toEqual(['sess-alice-2']);
    expect(await ids('?status=failed', 'bob')).toEqual(['sess-carol-1']);
    expect(await ids('?text=carol%20was', 'bob')).toEqual(['sess-carol-1']);
    expect(await ids(`?from=${new Date(T0 + 3_000_000).toISOString()}`, 'bob')).toEqual([
      'sess-carol-1',
      'sess-alice-2',
    ]);
    expect(await ids(`?to=${new Date(T0).toISOString()}`, 'bob')).toEqual([
      'sess-unrecorded',
      'sess-tampered',
    ]);
    expect(await ids('?tool=echo&connection=demo', 'alice')).toEqual([
      'sess-alice-1',
      'sess-unrecorded',
      'sess-tampered',
    ]);
  });

  it('pages with a cursor until there is none', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await json<SessionPage>(await get(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'bob'));
      seen.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'sess-carol-1',
      'sess-alice-2',
      'sess-alice-1',
      'sess-unrecorded',
      'sess-tampered',
    ]);
  });

  it('refuses malformed filters with invalid_params and says what is wrong', async () => {
    for (const query of [
      '?limit=0',
      '?limit=501',
      '?from=yesterday',
      '?status=weird',
      '?user=alice',
      '?cursor=garbage',
    ]) {
      const body = await json<{ error: { code: string; message: string } }>(await get(query, 'bob'), 400);
      expect(body.error.code, query).toBe('invalid_params');
    }
  });
});

describe('events and export', () => {
  it('returns the events in order, and one source on request', async () => {
    const { events } = await json<{ events: RecordingEvent[] }>(await get('/sess-alice-1/events', 'alice'));
    expect(events.map((e) => `${e.source}:${e.seq}`)).toEqual([
      ...aliceFirst.events.filter((e) => e.source === 'agent').map((e) => `agent:${e.seq}`),
      ...aliceFirst.events.filter((e) => e.source === 'gateway').map((e) => `gateway:${e.seq}`),
    ]);
    const agentOnly = await json<{ events: RecordingEvent[] }>(
      await get('/sess-alice-1/events?source=agent', 'alice'),
    );
    expect(agentOnly.events.every((e) => e.source === 'agent')).toBe(true);
    expect((await get('/sess-alice-1/events?source=client', 'alice')).status).toBe(400);
  });

  it('exports JSONL: one stored event per line, exactly as recorded', async () => {
    const response = await get('/sess-alice-1/export?format=jsonl', 'alice');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).trimEnd().split('\n');
    const exported = lines.map((l) => JSON.parse(l) as RecordingEvent);
    const byId = (a: RecordingEvent, b: RecordingEvent) => (a.id < b.id ? -1 : 1);
    expect(exported.sort(byId)).toEqual([...aliceFirst.events].sort(byId));
  });

  it('exports a readable Markdown transcript', async () => {
    const response = await get('/sess-alice-1/export?format=markdown', 'alice');
    expect(response.headers.get('content-type')).toContain('text/markdown');
    const text = await response.text();
    expect(text).toContain('# Session sess-alice-1');
    expect(text).toContain('**Who:** alice (alice@example.com)');
    expect(text).toContain('**Connection:** demo');
    expect(text).toContain('**Status:** ended (client_closed)');
    expect(text).toMatch(
      /### 2026-01-10T09:00:02\.000Z · gateway #2 · client → server · tools\/call `echo` \(id 1\)/,
    );
    expect(text).toContain('client ← server · response to id 2');
    expect(text).toContain('**Masked:** aws_key at `$.result.content[0].text` ×1');
    expect(text).toContain('**Decision:** pass');
    expect(text).toContain('```json\n{\n  "jsonrpc": "2.0",\n  "id": 1,\n  "method": "tools/call"');
    expect(text).not.toContain('AKIAABCDEFGHIJKLMNOP');
    const denied = await (await get('/sess-carol-1/export?format=markdown', 'carol')).text();
    expect(denied).toContain('**Decision:** deny (rule no-rm)');
    expect((await get('/sess-alice-1/export?format=pdf', 'alice')).status).toBe(400);
  });
});

describe('verify', () => {
  it('reports a clean session as intact, with both chains and the records agreeing', async () => {
    const report = await json<SessionVerification>(await get('/sess-alice-1/verify', 'alice'));
    expect(report.ok).toBe(true);
    expect(report.chains.gateway).toEqual({ events: 6, breaks: [] });
    expect(report.chains.agent).toEqual({ events: 6, breaks: [] });
    expect(report.agreement).toEqual({ ok: true, matched: 4, mismatches: [], inFlight: [] });
    // A request the gateway denied never reached the agent, and that is not a disagreement.
    expect((await json<SessionVerification>(await get('/sess-carol-1/verify', 'carol'))).ok).toBe(true);
  });

  it('fails on a flipped byte in a stored event and names that event', async () => {
    const report = await json<SessionVerification>(await get('/sess-tampered/verify', 'bob'));
    expect(report.ok).toBe(false);
    expect(report.chains.agent.breaks).toEqual([]);
    expect(report.chains.gateway.breaks).toEqual([
      expect.objectContaining({ seq: 2, eventId: tamperedEvent.id, problem: 'hash_mismatch' }),
    ]);
  });

  it('reports a request the agent never recorded, with the gateway event that forwarded it', async () => {
    const report = await json<SessionVerification>(await get('/sess-unrecorded/verify', 'alice'));
    expect(report.ok).toBe(false);
    expect(report.chains.gateway.breaks).toEqual([]);
    expect(report.chains.agent.breaks).toEqual([]);
    const forwarded = unrecorded.events.find(
      (e) =>
        e.source === 'gateway' &&
        e.message &&
        'id' in e.message &&
        e.message.id === 2 &&
        'method' in e.message,
    ) as RecordingEvent;
    expect(report.agreement.mismatches).toEqual([
      {
        source: 'gateway',
        seq: forwarded.seq,
        eventId: forwarded.id,
        problem: 'missing_in_agent',
        detail: expect.stringContaining('request id 2 (tools/call echo)'),
      },
    ]);
  });
});
