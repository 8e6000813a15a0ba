import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { configSchema, type ApprovalView, type GatewayConfig, type RecordingEvent } from '@airlock/core';
import {
  PgliteStore,
  PostgresStore,
  type RecordingStore,
  type SessionPage,
  type SessionSummary,
} from '@airlock/recording';
import {
  startPostgres,
  startTestIdentityProvider,
  type RunningPostgres,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createApprovalsApi,
  createOriginPolicy,
  createSessionAccess,
  createSessionsApi,
  startGatewayHttp,
  type GatewayHttp,
} from '../../src/index.js';
import { ChangeHub } from '../../src/live/change-hub.js';
import { NoAgentDirectory } from '../identity/helpers/identity-harness.js';
import { RecordedSession } from '../api/helpers/recorded-session.js';
import { EventStreamReader, StreamRefused, type ReadEvent } from './helpers/event-stream-reader.js';

const PUBLIC_URL = 'https://airlock.example.test';
const logger = pino({ enabled: false });
type User = 'alice' | 'bob' | 'carol';

/**
 * The live streams of the sessions and approvals lists and of one session's events, served by a
 * gateway on its store, while another writer (another gateway, on PostgreSQL) records sessions
 * and holds calls. alice (sre) and carol (contractors) see their own; bob audits.
 */
describe.each([
  ['PGlite, one gateway', 'pglite'],
  ['PostgreSQL, written by gateway A, streamed by gateway B', 'postgres'],
] as const)('live streams: %s', (_name, kind) => {
  let writer: RecordingStore;
  let served: RecordingStore;
  let dir: string | undefined;
  let postgres: RunningPostgres | undefined;
  let idp: TestIdentityProvider;
  let gateway: GatewayHttp;
  let hub: ChangeHub;
  const tokens: Partial<Record<User, string>> = {};
  const open: EventStreamReader[] = [];

  beforeAll(async () => {
    if (kind === 'pglite') {
      dir = mkdtempSync(join(tmpdir(), 'airlock-live-'));
      const store = await PgliteStore.open({ dataDir: dir });
      await store.migrate();
      writer = served = store;
    } else {
      postgres = await startPostgres();
      const url = await postgres.createDatabase('live');
      writer = PostgresStore.open({ connectionString: url });
      served = PostgresStore.open({ connectionString: url });
      await writer.migrate();
    }
    idp = await startTestIdentityProvider();
    const cfg = configSchema.parse({
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        publicUrl: PUBLIC_URL,
        tunnel: { tls: { certFile: 'unused.pem', keyFile: 'unused.key' } },
        auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
        audit: { groups: ['auditors'] },
      },
    }).gateway as GatewayConfig;
    hub = new ChangeHub({ store: served, logger, maxStreamsPerPerson: 3, resyncMs: 60_000 });
    const access = createSessionAccess(cfg, logger);
    const originPolicy = createOriginPolicy({ allowedOrigins: [], publicUrl: PUBLIC_URL, loopback: true });
    gateway = await startGatewayHttp({
      config: cfg,
      directory: new NoAgentDirectory(),
      logger,
      sessionsApi: createSessionsApi({ store: served, access, originPolicy, logger, hub }),
      approvalsApi: createApprovalsApi({
        store: served,
        access,
        originPolicy,
        logger,
        live: { hub, store: served },
      }),
    });
    for (const user of ['alice', 'bob', 'carol'] as const) {
      tokens[user] = await idp.issueAccessToken({ user, resource: PUBLIC_URL });
    }
  }, 60_000);
  afterAll(async () => {
    for (const reader of open) reader.close();
    await hub?.close();
    await gateway?.close();
    await idp?.close();
    if (writer !== served) await served?.close();
    await writer?.close();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const reader of open.splice(0)) reader.close();
    await waitFor(() => hub.streams === 0);
  });

  async function stream(path: string, user: User, lastEventId?: string): Promise<EventStreamReader> {
    const reader = await EventStreamReader.open(`http://127.0.0.1:${gateway.port}${path}`, {
      authorization: `Bearer ${tokens[user]}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    });
    open.push(reader);
    await reader.next((e) => e.event === 'ready');
    return reader;
  }

  /** A session of `subject` starting now, as the gateway's recording stores it (through the writer). */
  async function record(subject: string): Promise<RecordedSession> {
    const session = new RecordedSession({
      id: `sess-${subject}-${randomUUID().slice(0, 8)}`,
      subject,
      connection: 'demo',
      startAt: new Date(),
    })
      .start()
      .call('echo', { text: `hello from ${subject}` }, { text: 'hi' });
    await writer.insertEvents(session.events);
    return session;
  }

  const sessionIds = (event: ReadEvent): string[] =>
    event.event === 'sessions'
      ? (event.data as { sessions: SessionSummary[] }).sessions.map((s) => s.id)
      : [];

  it('shows a new session to its owner and to auditors as it starts, and never to anyone else', async () => {
    const alice = await stream('/api/v1/sessions', 'alice');
    const bob = await stream('/api/v1/sessions', 'bob');
    const carol = await stream('/api/v1/sessions', 'carol');
    expect(alice.events[0]?.event).toBe('snapshot');

    const started = Date.now();
    const session = await record('alice');
    await alice.next((e) => sessionIds(e).includes(session.id));
    const seenAfterMs = Date.now() - started;
    await bob.next((e) => sessionIds(e).includes(session.id));
    // carol's stream then shows her own new session, and nothing of alice's before or with it.
    const hers = await record('carol');
    await carol.next((e) => sessionIds(e).includes(hers.id));
    const carolSaw = carol.events.flatMap(sessionIds);
    expect(carolSaw).not.toContain(session.id);
    expect(new Set(carolSaw)).toEqual(new Set([hers.id]));
    expect(alice.events.flatMap(sessionIds)).not.toContain(hers.id);
    // A hint, not a poll: well within the 60 s safety re-read this hub was given.
    expect(seenAfterMs).toBeLessThan(5_000);
  });

  it('follows a running session: its new events and its end arrive on the open stream', async () => {
    const session = await record('alice');
    const watch = await stream(`/api/v1/sessions/${session.id}/events`, 'alice');
    const firstBatch = await watch.next((e) => e.event === 'events');
    const known = (firstBatch.data as { events: RecordingEvent[] }).events.length;
    expect(known).toBe(session.events.length);

    const before = session.events.length;
    session.call('echo', { text: 'one more' }, { text: 'one more' }).end('client closed');
    await writer.insertEvents(session.events.slice(before));
    const fresh = await watch.next(
      (e) =>
        e.event === 'events' &&
        (e.data as { events: RecordingEvent[] }).events.some((event) => event.kind === 'session_end'),
      { from: 1 },
    );
    expect((fresh.data as { events: RecordingEvent[] }).events.length).toBe(session.events.length - before);
    await watch.next((e) => e.event === 'session' && (e.data as SessionSummary).status !== 'open');
  });

  it("refuses carol a stream of alice's session, as the API refuses her the session", async () => {
    const session = await record('alice');
    const refused = await stream(`/api/v1/sessions/${session.id}/events`, 'carol').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StreamRefused);
    expect((refused as StreamRefused).status).toBe(404);
    expect((refused as StreamRefused).body).toContain('recording_not_found');
  });

  it('resumes after a reconnect with Last-Event-ID: what started meanwhile arrives, with no snapshot', async () => {
    const first = await stream('/api/v1/sessions', 'alice');
    const position = first.lastEventId;
    expect(position).toBeDefined();
    first.close();
    const missed = await record('alice');
    const again = await stream('/api/v1/sessions', 'alice', position);
    expect(again.events.some((e) => e.event === 'snapshot')).toBe(false);
    await again.next((e) => sessionIds(e).includes(missed.id));
    // A position that is not the gateway's is a clear 400, not a stream that silently starts over.
    const bad = await stream('/api/v1/sessions', 'alice', 'not-a-position').catch((e: unknown) => e);
    expect((bad as StreamRefused).status).toBe(400);
  });

  it('shows a new held call to its requester and its approvers, not to others', async () => {
    const bob = await stream('/api/v1/approvals?status=all', 'bob');
    const alice = await stream('/api/v1/approvals?status=pending', 'alice');
    const carol = await stream('/api/v1/approvals?status=all', 'carol');
    const id = `apr-${randomUUID()}`;
    await writer.holdCall({
      id,
      digest: randomUUID(),
      sessionId: 'sess-alice-held',
      connection: 'prod-db',
      requester: { subject: 'alice', email: 'alice@example.com', groups: ['sre'] },
      method: 'tools/call',
      target: 'run_sql',
      params: JSON.stringify({ name: 'run_sql', arguments: { sql: 'DELETE FROM users WHERE id = 7' } }),
      rule: 'destructive-sql',
      message: undefined,
      requirement: { approverGroups: ['auditors'], required: 1, requiredGroups: [] },
      holdSeconds: 600,
      rememberSeconds: 300,
      at: new Date(),
    });
    const approvalIds = (e: ReadEvent): string[] =>
      e.event === 'approvals' ? (e.data as { approvals: ApprovalView[] }).approvals.map((a) => a.id) : [];
    const seen = await bob.next((e) => approvalIds(e).includes(id));
    expect((seen.data as { approvals: ApprovalView[] }).approvals[0]?.arguments).toEqual({
      sql: 'DELETE FROM users WHERE id = 7',
    });
    await alice.next((e) => approvalIds(e).includes(id));
    // bob decides; the decision reaches bob's stream (status all) as a change of the same call.
    await served.voteOnApproval(
      id,
      { by: 'bob', groups: ['auditors'], decision: 'approve', at: new Date().toISOString() },
      new Date(),
    );
    await bob.next(
      (e) =>
        e.event === 'approvals' &&
        (e.data as { approvals: ApprovalView[] }).approvals.some(
          (a) => a.id === id && a.status === 'approved',
        ),
    );
    expect(carol.events.flatMap(approvalIds)).not.toContain(id);
  });

  it('limits the streams one person holds at once, and frees a slot when one closes', async () => {
    const streams = [
      await stream('/api/v1/sessions', 'carol'),
      await stream('/api/v1/sessions', 'carol'),
      await stream('/api/v1/approvals', 'carol'),
    ];
    const refused = await stream('/api/v1/sessions', 'carol').catch((e: unknown) => e);
    expect((refused as StreamRefused).status).toBe(429);
    expect((refused as StreamRefused).body).toContain('too_many_streams');
    await stream('/api/v1/sessions', 'alice');
    streams[0]?.close();
    await waitFor(() => hub.streams === 3);
    await stream('/api/v1/sessions', 'carol');
  });

  it('answers the list as JSON when no stream is asked for', async () => {
    const response = await fetch(`http://127.0.0.1:${gateway.port}/api/v1/sessions`, {
      headers: { authorization: `Bearer ${tokens.carol}` },
    });
    expect(response.headers.get('content-type')).toContain('application/json');
    const page = (await response.json()) as SessionPage;
    expect(page.sessions.every((s) => s.subject === 'carol')).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
