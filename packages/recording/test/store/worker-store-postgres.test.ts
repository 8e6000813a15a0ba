import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFileWrapper, PostgresStore } from '../../src/index.js';
// The worker thread runs compiled code: the built package, as the gateway loads it.
import { WorkerStore } from '../../dist/index.js';
import { SessionScript } from './helpers/session-script.js';

/** A session's events as one side recorded them, `calls` tool calls long. */
function sessionEvents(sessionId: string, source: 'gateway' | 'agent', calls: number): RecordingEvent[] {
  const script = new SessionScript({
    sessionId,
    subject: 'alice',
    connection: 'github',
    startAt: new Date('2026-03-01T10:00:00Z'),
  }).start(source);
  for (let i = 0; i < calls; i += 1) script.call('search', { q: i }, `result ${i} of ${sessionId}`, [source]);
  return script.events;
}

/** One statement on a connection of its own (the test's view of the database). */
async function sql<Row>(connectionString: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows as Row[];
  } finally {
    await client.end();
  }
}

const asPayloads = (events: readonly RecordingEvent[]): Buffer[] =>
  events.map((e) => Buffer.from(JSON.stringify(e), 'utf8'));

/**
 * The gateway's PostgreSQL writer: a second store, in a worker thread, that stores the events while
 * the store on the gateway's own thread serves everything else. What the thread writes, the other
 * store reads back exactly, encrypted at rest included.
 */
describe('a PostgreSQL store in a worker thread', () => {
  let server: RunningPostgres;
  let dir: string;
  let keyFile: string;
  let store: PostgresStore;
  let writer: WorkerStore;
  const connectionErrors: string[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'airlock-worker-postgres-'));
    keyFile = join(dir, 'recording.key');
    await LocalKeyFileWrapper.createKeyFile(keyFile);
    store = PostgresStore.open({
      connectionString: server.connectionString,
      encryption: { wrapper: await LocalKeyFileWrapper.open(keyFile) },
    });
    await store.migrate();
    writer = await WorkerStore.open({
      kind: 'postgres',
      connectionString: server.connectionString,
      encryption: { keyFile },
      onConnectionError: (reason) => connectionErrors.push(reason),
    });
  }, 60_000);

  afterAll(async () => {
    await writer?.close();
    await store?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores a gateway's spooled events and an agent's batch that the gateway's store reads back", async () => {
    const gatewaySide = sessionEvents('pg-thread-1', 'gateway', 3);
    const agentSide = sessionEvents('pg-thread-1', 'agent', 3);
    expect((await writer.insertSpooledEvents(asPayloads(gatewaySide))).inserted).toBe(gatewaySide.length);
    expect((await writer.insertAgentEvents('agent-1', asPayloads(agentSide))).inserted).toBe(
      agentSide.length,
    );
    expect(await store.getEvents('pg-thread-1', { source: 'gateway' })).toEqual(gatewaySide);
    expect(await store.getEvents('pg-thread-1', { source: 'agent' })).toEqual(agentSide);
    const session = await store.getSession('pg-thread-1');
    expect(session?.gatewayMessageCount).toBe(6);
    expect(session?.agentMessageCount).toBe(6);
    // Encrypted at rest with the key file both stores use: the message column holds no clear text.
    const [row] = await sql<{ message: string }>(
      server.connectionString,
      "SELECT message FROM recording_events WHERE session_id = 'pg-thread-1' AND message IS NOT NULL LIMIT 1",
    );
    expect(row?.message).not.toContain('result 0');
  });

  it("refuses an agent's batch that speaks for another agent, with the store's own error", async () => {
    const events = sessionEvents('pg-thread-2', 'agent', 1);
    await expect(writer.insertAgentEvents('agent-2', asPayloads(events))).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('agent "agent-2" may only send its own events'),
    });
    expect(await store.getEvents('pg-thread-2')).toEqual([]);
  });

  it('survives its pooled connections being cut: it reports why, and the next batch is stored', async () => {
    await writer.insertSpooledEvents(asPayloads(sessionEvents('pg-thread-3', 'gateway', 1)));
    // Every other connection of the database ends, the thread's idle pooled one included.
    await sql(
      server.connectionString,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()',
    );
    await expect.poll(() => connectionErrors.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const later = sessionEvents('pg-thread-4', 'gateway', 2);
    expect((await writer.insertSpooledEvents(asPayloads(later))).inserted).toBe(later.length);
    await expect.poll(() => store.getEvents('pg-thread-4', { source: 'gateway' })).toEqual(later);
  });
});
