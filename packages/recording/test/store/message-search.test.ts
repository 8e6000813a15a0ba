import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalKeyFileWrapper,
  PostgresStore,
  type RecordingStore,
  type SessionFilter,
  type StoreEncryptionOptions,
} from '../../src/index.js';
import {
  messageSearchTerms,
  messageValueSearchTerms,
  PUBLIC_SEARCH_KEY,
  TermHasher,
} from '../../src/store/search-terms.js';
import { SqlRecordingStore } from '../../src/store/sql-recording-store.js';
import { SessionScript } from './helpers/session-script.js';

/**
 * Text search through the blind index (search_terms): exactly the right sessions, for stores with
 * and without encryption at rest, on PGlite and PostgreSQL; messages stored before the index
 * existed found after indexStoredMessages; shredded sessions never found.
 */

type Sql = <Row>(text: string, params?: unknown[]) => Promise<Row[]>;

interface Probed {
  readonly store: RecordingStore;
  /** Raw SQL on the store's database, beside the store. */
  readonly sql: Sql;
  close(): Promise<void>;
}

/** A PGlite store whose database the test can also query directly (same options as PgliteStore). */
class ProbedPgliteStore extends SqlRecordingStore {
  static create(db: PGlite, encryption: StoreEncryptionOptions | undefined): ProbedPgliteStore {
    const queryable = (on: Pick<PGlite, 'query' | 'exec'>) => ({
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        (await on.query<Row>(text, [...params])).rows,
      execScript: async (text: string) => {
        await on.exec(text);
      },
    });
    return new ProbedPgliteStore(
      {
        ...queryable(db),
        transaction: (work) => db.transaction((tx) => work(queryable(tx))),
        close: () => db.close(),
      },
      { encryption, maintainTables: true },
    );
  }
}

const BACKENDS = [
  {
    name: 'pglite',
    async open(encryption?: StoreEncryptionOptions): Promise<Probed> {
      const db = await PGlite.create();
      const store = ProbedPgliteStore.create(db, encryption);
      return {
        store,
        sql: async (text, params = []) => (await db.query(text, params)).rows as never,
        close: () => store.close(),
      };
    },
  },
  {
    name: 'postgres',
    async open(encryption?: StoreEncryptionOptions): Promise<Probed> {
      const server: RunningPostgres = await startPostgres();
      const store = PostgresStore.open({ connectionString: server.connectionString, encryption });
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      return {
        store,
        sql: async (text, params = []) => (await client.query(text, params)).rows as never,
        async close() {
          await client.end();
          await store.close();
          await server.stop();
        },
      };
    },
  },
] as const;

const T0 = new Date('2031-05-01T08:00:00.000Z');

function session(name: string, minute: number, subject = 'alice') {
  return new SessionScript({
    sessionId: `ms-${name}`,
    subject,
    connection: 'kitchen',
    startAt: new Date(T0.getTime() + minute * 60_000),
  }).start();
}

const SESSIONS = [
  session('invoice', 0)
    .call('billing', { customer: 'ACME Corp', note: 'Quarterly invoice' }, 'sent')
    .end('x'),
  session('report', 1).call('reports', { title: 'acme quarterly report' }, 'done').end('x'),
  session('snake', 2).call('delete_customer', { id: 7 }, 'deleted customer 7').end('x'),
  session('unicode', 3, 'carol').call('files', { path: 'ﬁle Größe.txt' }, 'Ünïcode OK'),
  session('split', 4, 'carol').call('notes', { first: 'acme', second: 'corp' }, 'ok').end('x'),
  session('carol-acme', 5, 'carol').call('billing', { customer: 'acme corp' }, 'sent').end('x'),
];

describe.each(
  BACKENDS.flatMap((backend) => [
    { backend, encrypted: false },
    { backend, encrypted: true },
  ]),
)('text search on $backend.name (encrypted: $encrypted)', ({ backend, encrypted }) => {
  let keyDir: string;
  let probed: Probed;
  let store: RecordingStore;

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'airlock-search-key-'));
    let encryption: StoreEncryptionOptions | undefined;
    if (encrypted) {
      await LocalKeyFileWrapper.createKeyFile(join(keyDir, 'k'));
      encryption = { wrapper: await LocalKeyFileWrapper.open(join(keyDir, 'k')) };
    }
    probed = await backend.open(encryption);
    store = probed.store;
    await store.migrate();
    await store.insertEvents(SESSIONS.flatMap((s) => s.events));
  }, 60_000);

  afterAll(async () => {
    await probed?.close();
    await rm(keyDir, { recursive: true, force: true });
  });

  /** Every match, following cursors one session at a time (also proves paging keeps to the filter). */
  async function found(filter: Omit<SessionFilter, 'limit'>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listSessions({ ...filter, cursor, limit: 1 });
      ids.push(...page.sessions.map((s) => s.id.slice(3)));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return ids;
  }

  it('finds the sessions whose messages hold the words, newest first', async () => {
    expect(await found({ text: 'acme' })).toEqual(['carol-acme', 'split', 'report', 'invoice']);
    expect(await found({ text: 'ACME corp' })).toEqual(['carol-acme', 'invoice']);
    expect(await found({ text: 'quarterly' })).toEqual(['report', 'invoice']);
    // Punctuation separates words; a word in a key or a tool name counts like one in a value.
    expect(await found({ text: 'delete_customer' })).toEqual(['snake']);
    expect(await found({ text: 'customer' })).toEqual(['carol-acme', 'snake', 'invoice']);
    expect(await found({ text: '"deleted" (customer)' })).toEqual(['snake']);
    // NFKC and case: the ligature ﬁ is "fi"; ß is not "ss".
    expect(await found({ text: 'FILE größe' })).toEqual(['unicode']);
    expect(await found({ text: 'grosse' })).toEqual([]);
    expect(await found({ text: 'ünïcode' })).toEqual(['unicode']);
  });

  it('no longer matches parts of words, words apart, or words split between strings', async () => {
    expect(await found({ text: 'acm' })).toEqual([]);
    expect(await found({ text: 'quarter' })).toEqual([]);
    // "acme" and "report" are both in the report session's title, but not next to each other.
    expect(await found({ text: 'acme report' })).toEqual([]);
    // The split session has "acme" and "corp" in two different arguments.
    expect(await found({ text: 'acme corp' })).toEqual(['carol-acme', 'invoice']);
    expect(await found({ text: 'corp acme' })).toEqual([]);
  });

  it('keeps to the other filters: subject (what non-auditors see), tool, status', async () => {
    expect(await found({ text: 'acme', subject: 'carol' })).toEqual(['carol-acme', 'split']);
    expect(await found({ text: 'acme', subject: 'alice' })).toEqual(['report', 'invoice']);
    expect(await found({ text: 'acme', tool: 'billing' })).toEqual(['carol-acme', 'invoice']);
    expect(await found({ text: 'ok', status: 'open' })).toEqual(['unicode']);
  });

  it('refuses a text with no word in it, saying what the search matches', async () => {
    await expect(store.listSessions({ text: '%_!', limit: 5 })).rejects.toMatchObject({
      code: 'invalid_params',
      message: expect.stringMatching(/whole words/),
    });
  });

  it(`stores ${encrypted ? 'keyed hashes under a secret key' : 'hashes'}, never the words`, async () => {
    const rows = await probed.sql<{ message: string; search_terms: string[] }>(
      `SELECT message, search_terms::text[] AS search_terms FROM recording_events
       WHERE session_id = 'ms-invoice' AND message IS NOT NULL ORDER BY seq`,
    );
    expect(rows).toHaveLength(2);
    const request = JSON.stringify(SESSIONS[0]!.events[1]!.message);
    const stored = rows[0]!.search_terms;
    expect(stored.join(' ')).not.toMatch(/acme|invoice/i);
    const publicTerms = messageSearchTerms(request, new TermHasher(PUBLIC_SEARCH_KEY));
    if (encrypted) {
      // Under the store's secret key: hashing guessed words with the public key finds nothing.
      expect(rows[0]!.message.startsWith('{')).toBe(false);
      expect(stored.filter((t) => publicTerms.includes(t))).toEqual([]);
      expect(await probed.sql('SELECT name FROM recording_search_keys')).toHaveLength(1);
    } else {
      expect([...stored].sort()).toEqual([...publicTerms].sort());
    }
  });

  it('finds messages stored before the index once indexStoredMessages ran', async () => {
    // As a store upgraded by migration 9 has them: messages without terms.
    await probed.sql(`UPDATE recording_events SET search_terms = NULL WHERE session_id LIKE 'ms-%'`);
    expect(await found({ text: 'acme' })).toEqual([]);
    const messages = SESSIONS.flatMap((s) => s.events).filter((e) => e.message !== undefined).length;
    expect(await store.indexStoredMessages()).toEqual({ indexed: messages, unreadable: 0 });
    expect(await found({ text: 'acme' })).toEqual(['carol-acme', 'split', 'report', 'invoice']);
    expect(await store.indexStoredMessages()).toEqual({ indexed: 0, unreadable: 0 });
  });

  it("indexes a message once when the gateway's and the agent's copies are the same bytes", async () => {
    const termCounts = async (id: string) =>
      (
        await probed.sql<{ source: string; terms: number }>(
          `SELECT source, coalesce(cardinality(search_terms), 0) AS terms FROM recording_events
           WHERE session_id = $1 AND message IS NOT NULL ORDER BY source, seq`,
          [id],
        )
      ).map((row) => `${row.source}:${row.terms > 0 ? 'terms' : 'none'}`);
    // Both copies in one batch.
    const together = session('twins-together', 30, 'dave').call('lookup', { term: 'zephyr' }, 'zephyr seen', [
      'gateway',
      'agent',
    ]);
    await store.insertEvents(together.events);
    // Either copy may be the indexed one (a batch is stored in id order): one of each pair.
    expect((await termCounts('ms-twins-together')).map((c) => c.split(':')[1]).sort()).toEqual([
      'none',
      'none',
      'terms',
      'terms',
    ]);
    // The agent's copies arrive in a later batch than the gateway's, as they do from a tunnel.
    const apart = session('twins-apart', 31, 'dave').call('lookup', { term: 'quokka' }, 'quokka seen', [
      'gateway',
      'agent',
    ]);
    await store.insertEvents(apart.events.filter((e) => e.source === 'gateway'));
    await store.insertEvents(apart.events.filter((e) => e.source === 'agent'));
    expect(await termCounts('ms-twins-apart')).toEqual([
      'agent:none',
      'agent:none',
      'gateway:terms',
      'gateway:terms',
    ]);
    // A copy that differs (the agent masked the answer) has terms of its own, and is found by them.
    const masked = session('twins-masked', 32, 'dave')
      .message(
        { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'wombat 123' }] } },
        'gateway',
      )
      .message(
        { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'wombat masked' }] } },
        'agent',
      );
    await store.insertEvents(masked.events);
    expect(await termCounts('ms-twins-masked')).toEqual(['agent:terms', 'gateway:terms']);
    expect(await found({ text: 'zephyr seen' })).toEqual(['twins-together']);
    expect(await found({ text: 'quokka' })).toEqual(['twins-apart']);
    expect(await found({ text: 'wombat masked' })).toEqual(['twins-masked']);
    // The same message in another session is indexed there too.
    const other = session('twins-other', 33, 'dave').call('lookup', { term: 'zephyr' }, 'zephyr seen', [
      'agent',
    ]);
    await store.insertEvents(other.events);
    expect(await termCounts('ms-twins-other')).toEqual(['agent:terms', 'agent:terms']);
    expect(await found({ text: 'zephyr seen' })).toEqual(['twins-other', 'twins-together']);
  });

  it("indexes a 2026-07-28 client's protocol _meta members once per session", async () => {
    const hasher = new TermHasher(PUBLIC_SEARCH_KEY);
    const request = (id: number, word: string, client: string, meta: Record<string, unknown> = {}) => ({
      jsonrpc: '2.0' as const,
      id,
      method: 'tools/call',
      params: {
        name: 'lookup',
        arguments: { term: word },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: client, version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': {},
          ...meta,
        },
      },
    });
    const messages = [
      request(1, 'narwhal', 'okapi-client'),
      request(2, 'axolotl', 'okapi-client', { progressToken: 'pangolin-7' }),
      request(3, 'tapir', 'okapi-client'),
      request(4, 'dugong', 'quagga-client'),
    ];
    const script = session('meta-once', 40, 'erin');
    for (const message of messages) script.message(message);
    const [start, first, second, third, fourth] = script.events;
    // The first message alone, then the others in one later batch.
    await store.insertEvents([start!, first!]);
    await store.insertEvents([second!, third!, fourth!]);
    const counts = (
      await probed.sql<{ terms: number }>(
        `SELECT coalesce(cardinality(search_terms), 0) AS terms FROM recording_events
         WHERE session_id = 'ms-meta-once' AND message IS NOT NULL ORDER BY seq`,
      )
    ).map((row) => Number(row.terms));
    const whole = (m: unknown) => messageValueSearchTerms(m, hasher).length;
    const withoutProtocolMeta = (m: unknown) => messageValueSearchTerms(m, hasher, () => false).length;
    // Indexed whole: the first message, and the fourth (another client name). The second and third
    // repeat the first's protocol members: indexed without them (a progress token is not one).
    expect(counts).toEqual([
      whole(messages[0]),
      withoutProtocolMeta(messages[1]),
      withoutProtocolMeta(messages[2]),
      whole(messages[3]),
    ]);
    expect(withoutProtocolMeta(messages[1])).toBeLessThan(whole(messages[1]) - 10);
    expect(await found({ text: 'okapi client' })).toEqual(['meta-once']);
    expect(await found({ text: 'quagga client' })).toEqual(['meta-once']);
    expect(await found({ text: 'pangolin 7' })).toEqual(['meta-once']);
    expect(await found({ text: 'tapir' })).toEqual(['meta-once']);
    // Another session with the same client is indexed with the members too, and found by them.
    const other = session('meta-other', 41, 'erin').message(request(1, 'ocelot', 'okapi-client'));
    await store.insertEvents(other.events);
    expect(await found({ text: 'okapi client' })).toEqual(['meta-other', 'meta-once']);
  });

  it.runIf(encrypted)('never finds a shredded session, before or after indexing', async () => {
    const shred = store as RecordingStore & { shredSessionKey(id: string): Promise<boolean> };
    const doomed = session('doomed', 10).call('billing', { customer: 'acme corp' }, 'sent').end('x');
    const pending = session('pending', 11).call('billing', { customer: 'acme corp' }, 'sent').end('x');
    await store.insertEvents([...doomed.events, ...pending.events]);
    expect((await found({ text: 'acme corp' })).slice(0, 2)).toEqual(['pending', 'doomed']);
    expect(await shred.shredSessionKey('ms-doomed')).toBe(true);
    expect(await found({ text: 'acme corp' })).toEqual(['pending', 'carol-acme', 'invoice']);
    // A session stored before the index whose key is then shredded cannot be read to be indexed.
    expect(await shred.shredSessionKey('ms-pending')).toBe(true);
    await probed.sql(`UPDATE recording_events SET search_terms = NULL WHERE session_id = 'ms-pending'`);
    expect(await store.indexStoredMessages()).toEqual({ indexed: 0, unreadable: 2 });
    expect(await found({ text: 'acme corp' })).toEqual(['carol-acme', 'invoice']);
  });
});

describe('text search when encryption at rest is turned on (PGlite)', () => {
  it('re-indexes the sessions stored in clear under the secret key, then finds them', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'airlock-search-key-'));
    const db = await PGlite.create();
    try {
      await LocalKeyFileWrapper.createKeyFile(join(keyDir, 'k'));
      const wrapper = await LocalKeyFileWrapper.open(join(keyDir, 'k'));
      const before = ProbedPgliteStore.create(db, undefined);
      await before.migrate();
      await before.insertEvents(SESSIONS.flatMap((s) => s.events));
      // A result too large for one row is stored in parts (message-parts.ts): in clear too.
      const large = session('large', 19).call('export', {}, `${'lorem '.repeat(400_000)}acme corp`);
      await before.insertEvents(large.events);
      expect(await found(before, 'acme corp')).toEqual(['large', 'carol-acme', 'invoice']);

      const after = ProbedPgliteStore.create(db, { wrapper });
      const late = session('late', 20).call('billing', { customer: 'acme corp' }, 'sent').end('x');
      await after.insertEvents(late.events);
      // Searches use the secret key only: until re-indexed, the sessions stored in clear are not found.
      expect(await found(after, 'acme corp')).toEqual(['late']);
      const inClear = [...SESSIONS, large].flatMap((s) => s.events).filter((e) => e.message).length;
      expect(await after.indexStoredMessages()).toEqual({ indexed: inClear, unreadable: 0 });
      expect(await found(after, 'acme corp')).toEqual(['late', 'large', 'carol-acme', 'invoice']);
      expect(await after.indexStoredMessages()).toEqual({ indexed: 0, unreadable: 0 });
      const terms = await db.query<{ search_terms: string[] }>(
        `SELECT search_terms::text[] AS search_terms FROM recording_events
         WHERE session_id = 'ms-invoice' AND seq = 2`,
      );
      const publicTerms = messageSearchTerms(
        JSON.stringify(SESSIONS[0]!.events[1]!.message),
        new TermHasher(PUBLIC_SEARCH_KEY),
      );
      expect(terms.rows[0]!.search_terms.filter((t) => publicTerms.includes(t))).toEqual([]);
    } finally {
      await db.close();
      await rm(keyDir, { recursive: true, force: true });
    }
  }, 60_000);

  async function found(store: RecordingStore, text: string): Promise<string[]> {
    return (await store.listSessions({ text, limit: 50 })).sessions.map((s) => s.id.slice(3));
  }
});
