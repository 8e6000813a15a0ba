import { createRequire } from 'node:module';
import { RECORDING_SCHEMA_VERSION, type RecordingEvent } from '@airlock/core';
import type { RecordingStore } from '@airlock/recording';
import { startPostgres, waitFor, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionScript } from '../../packages/recording/test/store/helpers/session-script.js';
import { chromiumInstall, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';

/**
 * The console at scale: many sessions seeded straight through the store API, then the sessions
 * API's page times and the sessions page's time to render in Chromium; and a 10,000-event session
 * whose replay must render only the rows on screen while it scrolls (asserted: the DOM holds a
 * bounded number of rows), with the frame intervals of a scroll printed.
 *
 * Timings are printed, never asserted (the machine is shared). The suite seeds 5,000 sessions;
 * for the figures in docs/console.md run it with AIRLOCK_SCALE_SESSIONS=100000, and with
 * AIRLOCK_SCALE_STORE=postgres for PostgreSQL (the testkit's server) instead of PGlite.
 */

// `pg` is the recording package's dependency (the root has none of its own): the little used here.
interface PgClient {
  connect(): Promise<void>;
  query<Row>(sql: string): Promise<{ rows: Row[] }>;
  end(): Promise<void>;
}
const pg = createRequire(new URL('../../packages/recording/package.json', import.meta.url))('pg') as {
  Client: new (options: { connectionString: string }) => PgClient;
};

const SESSIONS = Number(process.env['AIRLOCK_SCALE_SESSIONS'] ?? 5000);
const REPLAY_EVENTS = 10_000;
const PEOPLE = ['alice', 'bob', 'carol', ...Array.from({ length: 47 }, (_, i) => `person-${i}`)];
const T0 = Date.UTC(2026, 0, 1);

let harness: ConsoleHarness;
let postgres: RunningPostgres | undefined;
let store: RecordingStore;
let databaseUrl = '';
const figures: Record<string, unknown> = {};

function seedSession(n: number): RecordingEvent[] {
  const script = new SessionScript({
    sessionId: `scale-${String(n).padStart(6, '0')}`,
    subject: PEOPLE[n % PEOPLE.length] as string,
    connection: 'kitchen',
    startAt: new Date(T0 + n * 7_000),
  })
    .start('gateway', { name: `client-${n % 7}` })
    .call(`tool-${n % 10}`, { n }, `answer ${n}`);
  if (n % 20 !== 0) script.end('client_closed');
  return script.events;
}

async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  figures[name] = `${(performance.now() - started).toFixed(1)} ms`;
  return result;
}

beforeAll(async () => {
  let recordingStore: Record<string, unknown> = {};
  if (process.env['AIRLOCK_SCALE_STORE'] === 'postgres') {
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase('scale');
    recordingStore = { kind: 'postgres', connectionString: databaseUrl };
  }
  harness = await startConsoleHarness({
    gateway: { access: { rules: [{ groups: ['*'], connections: ['*'] }] } },
    recording: { spool: { fsync: 'never' }, store: recordingStore },
  });
  store = harness.airlock.gateway.recording?.store as RecordingStore;
  const seedStarted = performance.now();
  for (let first = 0; first < SESSIONS; first += 1000) {
    const batch: RecordingEvent[] = [];
    for (let n = first; n < Math.min(SESSIONS, first + 1000); n += 1) batch.push(...seedSession(n));
    await store.insertEvents(batch);
  }
  figures['store'] = postgres ? 'postgres' : 'pglite';
  figures['sessions seeded'] = SESSIONS;
  figures['seeding'] = `${((performance.now() - seedStarted) / 1000).toFixed(1)} s`;
  // One long session for the replay: 10,000 events on the gateway's record.
  const long = new SessionScript({
    sessionId: 'scale-long',
    subject: 'alice',
    connection: 'kitchen',
    startAt: new Date(T0 - 86_400_000),
  }).start('gateway', { name: 'long-client' });
  while (long.events.length < REPLAY_EVENTS - 1) long.call('echo', { i: long.events.length }, 'ok');
  long.end('client_closed');
  for (let i = 0; i < long.events.length; i += 2000) await store.insertEvents(long.events.slice(i, i + 2000));
  expect(RECORDING_SCHEMA_VERSION).toBe(2);
  if (postgres) {
    // As in production, the measurements wait for autovacuum to have analyzed the bulk load (the
    // PGlite store analyzes as it writes); how long that took is a figure too.
    const waited = performance.now();
    const analyzed = await waitFor(
      'autovacuum to analyze the seeded tables',
      async () => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_user_tables
             WHERE relname IN ('recording_sessions', 'recording_events')
               AND last_autoanalyze IS NOT NULL AND n_mod_since_analyze < n_live_tup / 10`,
          );
          return Number(rows[0]?.n) === 2 ? true : undefined;
        } finally {
          await client.end();
        }
      },
      { timeoutMs: 600_000 },
    ).catch(() => false);
    figures['waited for autovacuum to analyze'] = analyzed
      ? `${((performance.now() - waited) / 1000).toFixed(1)} s`
      : 'not analyzed within 10 min';
  }
}, 1_800_000);

afterAll(async () => {
  process.stdout.write(`console scale figures: ${JSON.stringify(figures, null, 2)}\n`);
  await harness?.close();
  await postgres?.stop();
});

describe.skipIf(chromiumInstall.path === undefined)('the console at scale', () => {
  it('pages the sessions API by cursor, first page and deep, with filters', async () => {
    const token = await harness.apiToken('bob');
    const get = async (query: string) => {
      const answer = await fetch(`${harness.url}/api/v1/sessions?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(answer.status).toBe(200);
      return (await answer.json()) as { sessions: { id: string; tools: string[] }[]; nextCursor?: string };
    };
    await get('limit=50'); // warm
    const first = await timed('API first page (50)', () => get('limit=50'));
    expect(first.sessions).toHaveLength(50);
    // Twenty pages on by cursor: keyset paging costs the same on page 20 as on page 1.
    let page = first;
    for (let i = 1; i < 20; i += 1)
      page = await get(`limit=50&cursor=${encodeURIComponent(page.nextCursor ?? '')}`);
    await timed('API page 21 (by cursor)', () =>
      get(`limit=50&cursor=${encodeURIComponent(page.nextCursor ?? '')}`),
    );
    await timed('API first page, subject=carol', () => get('limit=50&subject=carol'));
    await timed('API first page, status=open', () => get('limit=50&status=open'));
    const tool = await timed('API first page, tool=tool-3', () => get('limit=50&tool=tool-3'));
    expect(tool.sessions).toHaveLength(50);
    expect(tool.sessions.every((s) => s.tools.includes('tool-3'))).toBe(true);
    // carol's sessions (n % 50 = 2) never call tool-3 (n % 10 = 3): an empty answer, every candidate read.
    await timed('API first page, subject=carol&tool=tool-3', () => get('limit=50&subject=carol&tool=tool-3'));
    // Text: one session ("answer 4" is session 4's result), one in ten (the tool's name "tool-3"
    // is in every tool-3 request), every session ("answer"), carol's, and words never side by side.
    const one = await timed('API first page, text="answer 4"', () => get('limit=50&text=answer%204'));
    expect(one.sessions.map((s) => s.id)).toEqual(['scale-000004']);
    const tenth = await timed('API first page, text="tool-3"', () => get('limit=50&text=tool-3'));
    expect(tenth.sessions).toHaveLength(50);
    expect(tenth.sessions.every((s) => s.tools.includes('tool-3'))).toBe(true);
    await timed('API first page, text="answer"', () => get('limit=50&text=answer'));
    await timed('API first page, subject=carol&text=answer', () => get('limit=50&subject=carol&text=answer'));
    const none = await timed('API first page, text="answer tool"', () => get('limit=50&text=answer%20tool'));
    expect(none.sessions).toEqual([]);
  }, 600_000);

  it('renders the sessions page in Chromium', async () => {
    const page = await harness.signIn('bob');
    await page.getByTestId('sessions-table').waitFor();
    const started = performance.now();
    await page.goto(`${harness.url}/console/sessions`);
    await page.locator('[data-testid=sessions-table] tbody tr').nth(49).waitFor();
    figures['console sessions page: navigation to 50 rows'] =
      `${(performance.now() - started).toFixed(1)} ms`;
    const next = performance.now();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL(/cursor=/);
    await page.locator('[data-testid=sessions-table] tbody tr').nth(49).waitFor();
    figures['console sessions page: next page'] = `${(performance.now() - next).toFixed(1)} ms`;
    await page.context().close();
  }, 120_000);

  it('renders only the rows on screen while a 10,000-event replay scrolls', async () => {
    const page = await harness.signIn('alice', '/console/sessions/scale-long');
    const position = page.getByTestId('position');
    await waitFor(
      'every event of the long session loaded',
      async () => ((await position.textContent())?.endsWith(`/ ${REPLAY_EVENTS}`) ? true : undefined),
      { timeoutMs: 120_000 },
    );
    expect(await position.textContent()).toBe(`1 / ${REPLAY_EVENTS}`);
    // Scroll the timeline top to bottom, a step per frame; count the rows in the DOM at each frame.
    const result = (await page.evaluate(`new Promise((resolve) => {
      const list = document.querySelector('[data-testid=timeline]');
      const frames = [];
      let maxRows = 0;
      let last = performance.now();
      const end = list.scrollHeight - list.clientHeight;
      const step = Math.ceil(end / 300);
      const tick = (now) => {
        frames.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, list.querySelectorAll('.event-row').length);
        if (list.scrollTop >= end) {
          resolve({ frames: frames.slice(1), maxRows, bottom: list.querySelector('.event-row:last-child')?.dataset.index });
          return;
        }
        list.scrollTop = Math.min(end, list.scrollTop + step);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })`)) as { frames: number[]; maxRows: number; bottom: string };
    const sorted = [...result.frames].sort((a, b) => a - b);
    const at = (q: number) =>
      (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
    figures['replay scroll'] = {
      frames: sorted.length,
      'frame interval median ms': at(0.5),
      'p95 ms': at(0.95),
      'max ms': at(1),
      'most rows in the DOM': result.maxRows,
    };
    // Windowed: a few dozen rows at any time, never the 10,000; and the last one is reachable.
    expect(result.maxRows).toBeLessThan(100);
    expect(result.maxRows).toBeGreaterThan(10);
    expect(Number(result.bottom)).toBe(REPLAY_EVENTS - 1);
    await harness.screenshot(page, 'replay-10000');
    await page.context().close();
  }, 300_000);
});
