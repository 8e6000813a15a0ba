import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cryptoFailureReason,
  LocalKeyFileWrapper,
  PgliteStore,
  PostgresStore,
  type KeyWrapper,
} from '../../src/index.js';
import type { SqlRecordingStore } from '../../src/store/sql-recording-store.js';
import { expectStoredAsRecorded, SessionScript } from '../store/helpers/session-script.js';

const MARKER = 'PLAINTEXT-MARKER-7f3a';

/** One engine: open a store with encryption, and run raw SQL against the same database. */
interface EncryptedBackend {
  open(wrapper: KeyWrapper | undefined): Promise<SqlRecordingStore>;
  /** Raw SQL; the store must be closed first for PGlite (one opener at a time). */
  raw<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  cleanup(): Promise<void>;
}

async function pgliteBackend(): Promise<EncryptedBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-enc-pglite-'));
  const dataDir = join(dir, 'store');
  return {
    open: (wrapper) => PgliteStore.open({ dataDir, ...(wrapper ? { encryption: { wrapper } } : {}) }),
    async raw<Row>(sql: string, params: unknown[] = []) {
      const db = await PGlite.create(dataDir);
      try {
        return (await db.query<Row>(sql, params)).rows;
      } finally {
        await db.close();
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<EncryptedBackend> {
  const server: RunningPostgres = await startPostgres();
  return {
    open: async (wrapper) =>
      PostgresStore.open({
        connectionString: server.connectionString,
        ...(wrapper ? { encryption: { wrapper } } : {}),
      }),
    async raw<Row>(sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as Row[];
      } finally {
        await client.end();
      }
    },
    cleanup: () => server.stop(),
  };
}

let keyDir: string;
let wrapper: LocalKeyFileWrapper;
beforeAll(async () => {
  keyDir = await mkdtemp(join(tmpdir(), 'airlock-enc-key-'));
  await LocalKeyFileWrapper.createKeyFile(join(keyDir, 'k'));
  wrapper = await LocalKeyFileWrapper.open(join(keyDir, 'k'));
});
afterAll(() => rm(keyDir, { recursive: true, force: true }));

function session(id: string, secret = MARKER): SessionScript {
  return new SessionScript({ sessionId: id, subject: 'alice', connection: 'github', startAt: new Date() })
    .start()
    .call('search_code', { query: `find ${secret}` }, `result ${secret}`, ['gateway', 'agent'])
    .end('client_closed');
}

describe.each([
  ['pglite', pgliteBackend],
  ['postgres', postgresBackend],
])('encrypted store on %s', (_name, makeBackend) => {
  let backend: EncryptedBackend;
  let store: SqlRecordingStore;
  const one = session('enc-one');
  const two = session('enc-two', 'OTHER-SECRET');

  beforeAll(async () => {
    backend = await makeBackend();
    store = await backend.open(wrapper);
    await store.migrate();
    await store.insertEvents([...one.events, ...two.events]);
  }, 60_000);
  afterAll(async () => {
    await store.close().catch(() => {});
    await backend.cleanup();
  });

  async function reopen(work: () => Promise<void>): Promise<void> {
    await store.close();
    try {
      await work();
    } finally {
      store = await backend.open(wrapper);
    }
  }

  it('keeps messages encrypted at rest, with one wrapped key per session', async () => {
    await reopen(async () => {
      const rows = await backend.raw<{ message: string | null; tool_name: string | null }>(
        'SELECT message, tool_name FROM recording_events',
      );
      const messages = rows.flatMap((r) => (r.message === null ? [] : [r.message]));
      expect(messages.length).toBe(8);
      for (const message of messages) {
        expect(message).not.toContain(MARKER);
        expect(message).not.toContain('search_code');
        expect(message.startsWith('{')).toBe(false);
      }
      // Envelope metadata stays in clear for search.
      expect(rows.some((r) => r.tool_name === 'search_code')).toBe(true);
      const keys = await backend.raw<{ session_id: string; wrapped_key: string }>(
        'SELECT session_id, wrapped_key FROM recording_session_keys ORDER BY session_id',
      );
      expect(keys.map((k) => k.session_id)).toEqual(['enc-one', 'enc-two']);
      expect(keys[0]!.wrapped_key).toMatch(/^local-key-file:/);
    });
  });

  it("keeps a held call's arguments and outcome encrypted at rest under its session's key", async () => {
    const params = JSON.stringify({ name: 'rotate_key', arguments: { key: `key ${MARKER}` } });
    const outcome = JSON.stringify({
      jsonrpc: '2.0',
      id: 4,
      result: { content: [{ type: 'text', text: MARKER }] },
    });
    const requirement = { approverGroups: ['sre-leads'], required: 1, requiredGroups: [] };
    await store.holdCall({
      id: 'enc-approval',
      digest: 'd'.repeat(64),
      sessionId: 'enc-one',
      connection: 'github',
      requester: { subject: 'alice', groups: [] },
      method: 'tools/call',
      target: 'rotate_key',
      params,
      rule: 'hold-rotations',
      message: undefined,
      requirement,
      holdSeconds: 600,
      rememberSeconds: 60,
      at: new Date(),
    });
    await store.voteOnApproval(
      'enc-approval',
      { by: 'bob', groups: ['sre-leads'], decision: 'approve', at: new Date().toISOString() },
      new Date(),
    );
    expect(await store.claimRelease('enc-approval', 'gw', new Date())).toBe(true);
    await store.storeOutcome('enc-approval', outcome, new Date());
    await reopen(async () => {
      const [row] = await backend.raw<{ params: string; outcome: string }>(
        "SELECT params, outcome FROM approvals WHERE id = 'enc-approval'",
      );
      for (const stored of [row!.params, row!.outcome]) {
        expect(stored).not.toContain(MARKER);
        expect(stored.startsWith('{')).toBe(false);
      }
    });
    const read = await store.getApproval('enc-approval');
    expect(read?.params).toBe(params);
    expect(read?.outcome).toBe(outcome);
  });

  it('decrypts on read, and both hash chains still verify', async () => {
    expectStoredAsRecorded(await store.getEvents('enc-one'), one.events);
  });

  it('searches message text by decrypting candidate sessions', async () => {
    const page = await store.listSessions({ text: MARKER.toLowerCase(), limit: 10 });
    expect(page.sessions.map((s) => s.id)).toEqual(['enc-one']);
    expect((await store.listSessions({ text: 'nothing-like-this', limit: 10 })).sessions).toEqual([]);
  });

  it('reports a tampered message as an error naming the event', async () => {
    const target = one.events.find((e) => e.source === 'agent' && e.kind === 'message')!;
    await reopen(async () => {
      const [row] = await backend.raw<{ message: string }>(
        'SELECT message FROM recording_events WHERE id = $1',
        [target.id],
      );
      const bytes = Buffer.from(row!.message, 'base64');
      bytes[bytes.length - 3]! ^= 0x40;
      await backend.raw('UPDATE recording_events SET message = $1 WHERE id = $2', [
        bytes.toString('base64'),
        target.id,
      ]);
    });
    const error = await store.getEvents('enc-one').catch((e: unknown) => e);
    expect(cryptoFailureReason(error)).toBe('tampered');
    expect((error as Error).message).toContain(`event ${target.id} (session enc-one)`);
    // Swapping a whole ciphertext onto another event fails the same way (AAD binds the event id).
    const [a, b] = two.events.filter((e) => e.kind === 'message' && e.source === 'gateway');
    await reopen(async () => {
      await backend.raw(
        'UPDATE recording_events SET message = (SELECT message FROM recording_events WHERE id = $1) WHERE id = $2',
        [a!.id, b!.id],
      );
    });
    const swapped = await store.getEvents('enc-two').catch((e: unknown) => e);
    expect(cryptoFailureReason(swapped)).toBe('tampered');
    expect((swapped as Error).message).toContain(`event ${b!.id}`);
  });

  it('crypto-shreds a session: deleting its key makes it unreadable with a clear error', async () => {
    const three = session('enc-three');
    await store.insertEvents(three.events);
    await expect(store.getEvents('enc-three')).resolves.toHaveLength(three.events.length);
    expect(await store.shredSessionKey('enc-three')).toBe(true);
    const error = await store.getEvents('enc-three').catch((e: unknown) => e);
    expect(cryptoFailureReason(error)).toBe('key_missing');
    expect((error as Error).message).toMatch(/session enc-three.*crypto-shredded/);
  });

  it('refuses to read encrypted messages without a configured key', async () => {
    await store.close();
    store = await backend.open(undefined);
    const error = await store.getEvents('enc-one').catch((e: unknown) => e);
    expect(cryptoFailureReason(error)).toBe('not_configured');
    expect((error as Error).message).toMatch(/recording\.encryption/);
  });
});
