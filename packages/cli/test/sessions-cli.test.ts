import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { PgliteStore, verifySession } from '@airlock/recording';
import { spawnNode } from '@airlock/testkit';
import { pino } from 'pino';
import { ChangeHub } from '../../gateway/src/live/change-hub.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordedSession } from '../../gateway/test/api/helpers/recorded-session.js';
import { startSessionsGateway } from '../../gateway/test/api/helpers/sessions-gateway.js';
import { verificationText } from '../src/sessions/sessions-output.js';

/** `airlock sessions ...` and `airlock verify` as a person runs them, against a loopback dev gateway. */
const AIRLOCK = new URL('../dist/main.js', import.meta.url).pathname;
const T0 = Date.UTC(2026, 1, 3, 14, 0, 0);

const clean = new RecordedSession({
  id: 'sess-clean',
  subject: 'alice',
  connection: 'demo',
  startAt: new Date(T0),
})
  .start()
  .call('echo', { text: 'hello' }, { text: 'hello' })
  .call(
    'lookup',
    { key: 'k' },
    { text: 'secret-ish', masked: '[MASKED]', masking: [{ type: 'api_key', path: '$.result', count: 1 }] },
  )
  .end('client_closed');
const broken = new RecordedSession({
  id: 'sess-broken',
  subject: 'carol',
  connection: 'ops',
  startAt: new Date(T0 + 60_000),
})
  .start()
  .call('deploy', { env: 'prod' }, { text: 'ok' }, { agentSees: false });
// The same cut-off call, but the gateway ended the session because the agent went away (kill -9):
// the call was in flight, which is not a disagreement.
const agentLost = new RecordedSession({
  id: 'sess-agent-lost',
  subject: 'carol',
  connection: 'ops',
  startAt: new Date(T0 - 10_800_000),
})
  .start()
  .call('echo', { text: 'before' }, { text: 'before' })
  .call('deploy', { env: 'prod' }, { text: 'ok' }, { agentSees: false });
agentLost.add('gateway', { kind: 'session_end', end: { reason: 'agent_lost' } });
// Many pages long at the page sizes used here (the gateway's export reads 4 events a page).
const long = new RecordedSession({
  id: 'sess-long',
  subject: 'dave',
  connection: 'demo',
  startAt: new Date(T0 - 3_600_000),
}).start();
for (let i = 0; i < 9; i += 1) long.call('echo', { i }, { text: `reply ${i}` });
long.end('client_closed');
// The same with gateway seq 6..8 lost (read 5 events a page, the gap falls on a page boundary)
// and gateway seq 12 edited after it was hashed.
const damaged = new RecordedSession({
  id: 'sess-damaged',
  subject: 'dave',
  connection: 'demo',
  startAt: new Date(T0 - 7_200_000),
}).start();
for (let i = 0; i < 9; i += 1) damaged.call('echo', { i }, { text: `reply ${i}` });
damaged.end('client_closed');
const damagedStored = damaged.events
  .filter((e) => !(e.source === 'gateway' && e.seq >= 6 && e.seq <= 8))
  .map((e) => (e.source === 'gateway' && e.seq === 12 ? { ...e, connection: 'elsewhere' } : e));
/** The store's order: source, then seq. */
const storeOrder = (events: readonly RecordingEvent[]) =>
  [...events].sort((a, b) => a.source.localeCompare(b.source) || a.seq - b.seq);

let dir: string;
let store: PgliteStore;
let gateway: Awaited<ReturnType<typeof startSessionsGateway>>;
let hub: ChangeHub;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-sessions-cli-'));
  store = await PgliteStore.open({ dataDir: join(dir, 'store') });
  await store.migrate();
  await store.insertEvents([
    ...clean.events,
    ...broken.events,
    ...long.events,
    ...damagedStored,
    ...agentLost.events,
  ]);
  hub = new ChangeHub({ store, logger: pino({ enabled: false }) });
  gateway = await startSessionsGateway(store, 4, hub);
});
afterAll(async () => {
  await hub?.close();
  await gateway?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function airlock(args: string[]) {
  const child = spawnNode(AIRLOCK, args, {
    env: { AIRLOCK_GATEWAY: gateway.url, AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_TOKEN: '' },
    cwd: dir,
  });
  const { code } = await child.exited;
  return { code, stdout: child.stdoutLines.join('\n'), stderr: child.stderr() };
}

describe('airlock sessions', () => {
  it('lists sessions as a table, filtered', async () => {
    const all = await airlock(['sessions', 'list']);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^STARTED\s+SESSION\s+USER\s+CLIENT\s+CONNECTION\s+STATUS\s+EVENTS\s+MARKERS\s+TOOLS$/,
    );
    expect(lines[1]).toMatch(/sess-broken\s+carol@example.com\s+test-client\s+ops\s+open\s+\d+\s+-\s+deploy/);
    expect(lines[2]).toMatch(
      /sess-clean\s+alice@example.com\s+test-client\s+demo\s+ended\s+12\s+masked=1\s+echo,lookup/,
    );
    const filtered = await airlock(['sessions', 'list', '--user', 'alice', '--tool', 'echo', '--json']);
    expect((JSON.parse(filtered.stdout) as { sessions: { id: string }[] }).sessions.map((s) => s.id)).toEqual(
      ['sess-clean'],
    );
    const none = await airlock(['sessions', 'list', '--since', '1h']);
    expect(none.stdout).toContain('No recorded sessions match.');
    const bad = await airlock(['sessions', 'list', '--since', 'last tuesday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since "last tuesday" is not a time');
  });

  it('shows one session and says so when it does not exist', async () => {
    const shown = await airlock(['sessions', 'show', 'sess-clean']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('User        alice <alice@example.com>');
    expect(shown.stdout).toContain('Status      ended (client_closed)');
    expect(shown.stdout).toContain('Tools       echo, lookup');
    expect(shown.stdout).toContain('Client      test-client');
    expect(shown.stdout).toContain('Markers     masked=1');
    const missing = await airlock(['sessions', 'show', 'sess-nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No recorded session "sess-nope"');
  });

  it('replays a session message by message (stdin not a terminal: no waiting)', async () => {
    const replay = await airlock(['sessions', 'replay', 'sess-clean', '--step']);
    expect(replay.code, replay.stderr).toBe(0);
    const heads = replay.stdout.split('\n').filter((l) => l.startsWith('['));
    expect(heads).toEqual([
      '[2026-02-03T14:00:00.000Z] gateway #1  session started',
      '[2026-02-03T14:00:02.000Z] gateway #2  client -> server  tools/call echo (id 1)',
      '[2026-02-03T14:00:05.000Z] gateway #3  client <- server  response to id 1',
      '[2026-02-03T14:00:06.000Z] gateway #4  client -> server  tools/call lookup (id 2)',
      '[2026-02-03T14:00:09.000Z] gateway #5  client <- server  response to id 2',
      '[2026-02-03T14:00:10.000Z] gateway #6  session ended: client_closed',
    ]);
    expect(replay.stdout).toContain('"text": "hello"');
    const agent = await airlock(['sessions', 'replay', 'sess-clean', '--source', 'agent']);
    expect(agent.stdout).toContain('masked: api_key at $.result x1');
    const both = await airlock(['sessions', 'replay', 'sess-clean', '--source', 'all']);
    expect(both.stdout.split('\n').filter((l) => l.startsWith('['))).toHaveLength(12);
  });

  it('exports JSONL to a file and Markdown to standard output', async () => {
    const out = join(dir, 'clean.jsonl');
    const jsonl = await airlock(['sessions', 'export', 'sess-clean', '--format', 'jsonl', '--out', out]);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const events = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RecordingEvent);
    expect(new Set(events.map((e) => e.hash))).toEqual(new Set(clean.events.map((e) => e.hash)));
    const markdown = await airlock(['sessions', 'export', 'sess-clean', '--format', 'markdown']);
    expect(markdown.stdout).toContain('# Session sess-clean');
    expect(markdown.stdout).toContain('**Masked:** api_key at `$.result` ×1');
  });
});

describe('a session many pages long', () => {
  const heads = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('['));
  const head = (e: RecordingEvent) => `[${e.at}] ${e.source} #${e.seq}`;

  it('shows it', async () => {
    const shown = await airlock(['sessions', 'show', 'sess-long']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      `Events      ${long.events.length} (gateway messages 18, agent messages 18`,
    );
  });

  it('replays it across page boundaries, one record or both by time', async () => {
    const gateway = await airlock(['sessions', 'replay', 'sess-long', '--page-size', '3']);
    expect(gateway.code, gateway.stderr).toBe(0);
    const expected = long.events.filter((e) => e.source === 'gateway');
    expect(expected.length).toBeGreaterThan(9);
    expect(heads(gateway.stdout).map((l) => l.split('  ')[0])).toEqual(expected.map(head));
    expect(gateway.stdout).toContain('"text": "reply 8"');
    // Both records interleaved by time, as recorded (each event here is a second after the last).
    const both = await airlock(['sessions', 'replay', 'sess-long', '--source', 'all', '--page-size', '2']);
    expect(heads(both.stdout).map((l) => l.split('  ')[0])).toEqual(long.events.map(head));
    const json = await airlock([
      'sessions',
      'replay',
      'sess-long',
      '--source',
      'agent',
      '--json',
      '--page-size',
      '5',
    ]);
    expect(json.stdout.split('\n').map((l) => JSON.parse(l) as RecordingEvent)).toEqual(
      long.events.filter((e) => e.source === 'agent'),
    );
  });

  it('exports it as JSONL and Markdown, every event once', async () => {
    const out = join(dir, 'long.jsonl');
    const jsonl = await airlock(['sessions', 'export', 'sess-long', '--out', out]);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const events = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RecordingEvent);
    expect(events).toEqual(storeOrder(long.events));
    const markdown = await airlock(['sessions', 'export', 'sess-long', '--format', 'markdown']);
    expect(markdown.stdout.match(/^### /gm)).toHaveLength(long.events.length);
    expect(markdown.stdout).toContain('"text": "reply 8"');
  });

  it('verifies it page by page: intact, and broken with the same report as all events at once', async () => {
    const ok = await airlock(['verify', 'sess-long', '--page-size', '5']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      `gateway chain: ${long.events.filter((e) => e.source === 'gateway').length} events, intact`,
    );

    const expected = { ...verifySession(storeOrder(damagedStored)), sessionId: 'sess-damaged' };
    expect(expected.chains.gateway.breaks.map((b) => b.problem)).toEqual(['gap', 'hash_mismatch']);
    const text = await airlock(['verify', 'sess-damaged', '--page-size', '5']);
    expect(text.code).toBe(3);
    expect(`${text.stdout}\n`).toBe(verificationText('sess-damaged', expected));
    expect(text.stdout).toContain('gateway seq 6: gap: events 6..8 are missing');
    const json = await airlock(['verify', 'sess-damaged', '--json', '--page-size', '3']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});

describe('airlock verify', () => {
  it('exits 0 for an intact session', async () => {
    const ok = await airlock(['verify', 'sess-clean']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Session sess-clean: verified, recording intact');
    expect(ok.stdout).toContain('gateway chain: 6 events, intact');
  });

  it('exits 3 and names the gateway event the agent never recorded', async () => {
    const forwarded = broken.events.find((e) => e.source === 'gateway' && e.direction === 'client_to_server');
    const result = await airlock(['verify', 'sess-broken']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('verification FAILED');
    expect(result.stdout).toContain(
      `gateway seq ${forwarded?.seq} (event ${forwarded?.id}): missing_in_agent: request id 1 (tools/call deploy)`,
    );
  });

  it('exits 0 for a call in flight when the agent was lost, and names it apart from any mismatch', async () => {
    const cut = agentLost.events
      .filter((e) => e.source === 'gateway' && e.direction === 'client_to_server')
      .at(-1);
    const result = await airlock(['verify', 'sess-agent-lost']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 1)).toEqual([
      'Session sess-agent-lost: verified, recording intact; 1 call(s) in flight when the agent was lost',
    ]);
    expect(result.stdout).toContain('agreement: 2 matched, records agree');
    expect(result.stdout).toContain(
      "in flight when the agent was lost (not a disagreement: the gateway ended the session agent_lost and the agent's record stops there; these calls never completed):",
    );
    expect(result.stdout).toContain(
      `gateway seq ${cut?.seq} (event ${cut?.id}): not_received: request id 2 (tools/call deploy) was passed on by the gateway but is not in the agent's record: it was in flight when the agent was lost, so it never reached the MCP server and the client got no answer`,
    );
    const json = await airlock(['verify', 'sess-agent-lost', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      agreement: {
        ok: true,
        mismatches: [],
        inFlight: [
          { source: 'gateway', seq: cut?.seq, eventId: cut?.id, lost: 'agent', state: 'not_received' },
        ],
      },
    });
  });

  it('exits 1 when the session does not exist', async () => {
    const result = await airlock(['verify', 'sess-nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No recorded session "sess-nope"');
  });
});

// Last: it adds sessions to the store the tests above list.
describe('airlock sessions list --follow', () => {
  it('follows: prints the list, then each session as it starts and as it ends', async () => {
    const child = spawnNode(AIRLOCK, ['sessions', 'list', '--follow', '--user', 'erin'], {
      env: { AIRLOCK_GATEWAY: gateway.url, AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_TOKEN: '' },
      cwd: dir,
    });
    try {
      await child.waitForLine((line) => line.startsWith('Following new sessions'), { timeoutMs: 15_000 });
      const live = new RecordedSession({
        id: 'sess-followed',
        subject: 'erin',
        connection: 'demo',
        startAt: new Date(),
      })
        .start()
        .call('echo', { text: 'live' }, { text: 'live' });
      const other = new RecordedSession({
        id: 'sess-not-erin',
        subject: 'frank',
        connection: 'demo',
        startAt: new Date(),
      }).start();
      await store.insertEvents([...other.events, ...live.events]);
      await child.waitForLine((line) => /^started .*sess-followed .* open$/.test(line), {
        timeoutMs: 15_000,
      });
      const before = live.events.length;
      live.end('client_closed');
      await store.insertEvents(live.events.slice(before));
      await child.waitForLine((line) => /^ended .*sess-followed .* ended/.test(line), { timeoutMs: 15_000 });
      expect(child.stdoutLines.join('\n')).not.toContain('sess-not-erin');
    } finally {
      await child.kill();
    }
  });
});
