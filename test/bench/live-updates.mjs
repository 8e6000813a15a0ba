// What live updates cost and give, on PostgreSQL shared by two store instances (two gateways):
// 1. the change trigger's cost on recording writes: insert batches into a database with the
//    trigger and into one where it was dropped, interleaved (A B A B) so load drifts hit both;
// 2. how soon a session written through store A is read by a reader on store B woken by the
//    NOTIFY (the live path), against the 2 s polling the console used before (mean 1 s, max 2 s);
// 3. what one re-read of the feed costs when nothing changed (each open stream does one per hint
//    burst and every 30 s), on a table of many sessions.
// `node test/bench/live-updates.mjs [--quick]`; prints a table and writes
// test/bench/results/live-updates-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { createRequire } from 'node:module';
import { canonicalEventText, GENESIS_HASH } from '@airlock/core';
import { PostgresStore, sha256Hex } from '@airlock/recording';
import { startPostgres } from '@airlock/testkit';

// `pg` is the recording package's dependency (the workspace root has none of its own).
const pg = createRequire(new URL('../../packages/recording/package.json', import.meta.url))('pg');

const { values } = benchArgs(import.meta.url, { options: { quick: { type: 'boolean', default: false } } });
const quick = values.quick;
const BATCHES = quick ? 40 : 200;
const SESSIONS_PER_BATCH = 20;
const LATENCY_SAMPLES = quick ? 30 : 200;
const TABLE_SESSIONS = quick ? 2_000 : 20_000;

let sessionCounter = 0;
/** A short session's events (start, a call, its answer, end) as the gateway records them, chained. */
function sessionEvents(id) {
  let prevHash = GENESIS_HASH;
  const bodies = [
    { kind: 'session_start', start: { clientInfo: { name: 'bench', version: '1' } } },
    {
      kind: 'message',
      direction: 'client_to_server',
      message: {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' } },
      },
    },
    {
      kind: 'message',
      direction: 'server_to_client',
      message: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }] } },
    },
    { kind: 'session_end', end: { reason: 'client_closed' } },
  ];
  return bodies.map((body, i) => {
    const unsealed = {
      schema: 1,
      id: `${id}-${i + 1}`,
      sessionId: id,
      source: 'gateway',
      seq: i + 1,
      at: new Date().toISOString(),
      identity: { subject: 'alice', email: 'alice@example.com', groups: ['sre'] },
      connection: 'demo',
      era: 'legacy',
      protocolVersion: '2025-11-25',
      prevHash,
      ...body,
    };
    const event = { ...unsealed, hash: sha256Hex(canonicalEventText(unsealed)) };
    prevHash = event.hash;
    return event;
  });
}
const batch = () =>
  Array.from({ length: SESSIONS_PER_BATCH }, () =>
    sessionEvents(`bench-${process.pid}-${sessionCounter++}`),
  ).flat();

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const server = await startPostgres();
const results = { at: new Date().toISOString(), quick, loadBefore: loadavg().map((l) => l.toFixed(1)) };
try {
  const withUrl = await server.createDatabase('with_trigger');
  const withoutUrl = await server.createDatabase('without_trigger');
  const withStore = PostgresStore.open({ connectionString: withUrl });
  const reader = PostgresStore.open({ connectionString: withUrl });
  const withoutStore = PostgresStore.open({ connectionString: withoutUrl });
  await withStore.migrate();
  await withoutStore.migrate();
  const admin = new pg.Client({ connectionString: withoutUrl });
  await admin.connect();
  await admin.query(
    'DROP TRIGGER recording_sessions_change ON recording_sessions; DROP TRIGGER approvals_change ON approvals',
  );
  await admin.end();

  // 1. Trigger cost on writes.
  const times = { with: [], without: [] };
  for (let i = 0; i < BATCHES; i += 1) {
    for (const [name, store] of i % 2 === 0
      ? [
          ['with', withStore],
          ['without', withoutStore],
        ]
      : [
          ['without', withoutStore],
          ['with', withStore],
        ]) {
      const events = batch();
      const started = process.hrtime.bigint();
      await store.insertEvents(events);
      times[name].push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  for (const name of ['with', 'without']) times[name].sort((a, b) => a - b);
  results.writes = {
    batches: BATCHES,
    sessionsPerBatch: SESSIONS_PER_BATCH,
    eventsPerBatch: SESSIONS_PER_BATCH * 4,
    withTrigger: { p50Ms: percentile(times.with, 50), p95Ms: percentile(times.with, 95) },
    withoutTrigger: { p50Ms: percentile(times.without, 50), p95Ms: percentile(times.without, 95) },
  };

  // 2. Write on A → read on B, woken by the NOTIFY.
  let cursor = (await reader.listSessionChanges({ after: undefined, limit: 100 })).cursor;
  let wake;
  const stop = await reader.watchChanges(() => wake?.());
  const latencies = [];
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const id = `latency-${process.pid}-${i}`;
    const seen = new Promise((resolve) => {
      const look = async () => {
        const page = await reader.listSessionChanges({ after: cursor, limit: 100 });
        cursor = page.cursor;
        if (page.rows.some((s) => s.id === id)) resolve();
      };
      wake = () => void look();
    });
    const started = process.hrtime.bigint();
    await withStore.insertEvents(sessionEvents(id));
    await seen;
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    await new Promise((r) => setTimeout(r, 5));
  }
  await stop();
  latencies.sort((a, b) => a - b);
  results.latency = {
    samples: LATENCY_SAMPLES,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    maxMs: latencies.at(-1),
    polling2sMeanMs: 1000,
    polling2sMaxMs: 2000,
  };

  // 3. An idle re-read on a large table.
  while (sessionCounter < TABLE_SESSIONS) await withStore.insertEvents(batch());
  cursor = (await reader.listSessionChanges({ after: undefined, limit: 100 })).cursor;
  const reads = [];
  const busyReads = [];
  let cpuUs = 0;
  for (let i = 0; i < 200; i += 1) {
    // Every other read follows a write of someone else's session (the horizon moves, the query
    // runs and finds nothing of carol's); the others find nothing changed at all.
    if (i % 2 === 1) await withStore.insertEvents(sessionEvents(`other-${process.pid}-${i}`));
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const page = await reader.listSessionChanges({ after: cursor, limit: 100, subject: 'carol' });
    (i % 2 === 1 ? busyReads : reads).push(Number(process.hrtime.bigint() - started) / 1e6);
    const cpu = process.cpuUsage(cpuBefore);
    cpuUs += cpu.user + cpu.system;
    cursor = page.cursor;
  }
  reads.sort((a, b) => a - b);
  busyReads.sort((a, b) => a - b);
  results.idleRead = {
    tableSessions: sessionCounter,
    p50Ms: percentile(reads, 50),
    p95Ms: percentile(reads, 95),
    afterOtherWritesP50Ms: percentile(busyReads, 50),
    afterOtherWritesP95Ms: percentile(busyReads, 95),
    clientCpuUsPerRead: Math.round(cpuUs / 200),
  };

  await Promise.all([withStore.close(), reader.close(), withoutStore.close()]);
} finally {
  await server.stop();
}
results.loadAfter = loadavg().map((l) => l.toFixed(1));

const w = results.writes;
console.log(`load average before ${results.loadBefore.join(' ')}, after ${results.loadAfter.join(' ')}`);
console.table({
  'insert batch, trigger (p50 / p95 ms)': `${w.withTrigger.p50Ms.toFixed(2)} / ${w.withTrigger.p95Ms.toFixed(2)}`,
  'insert batch, no trigger (p50 / p95 ms)': `${w.withoutTrigger.p50Ms.toFixed(2)} / ${w.withoutTrigger.p95Ms.toFixed(2)}`,
  'ratio p50 (trigger / none)': (w.withTrigger.p50Ms / w.withoutTrigger.p50Ms).toFixed(2),
  'write on A → read on B (p50 / p95 / max ms)': `${results.latency.p50Ms.toFixed(1)} / ${results.latency.p95Ms.toFixed(1)} / ${results.latency.maxMs.toFixed(1)}`,
  'polling every 2 s (mean / max ms)': '1000 / 2000',
  [`idle re-read, ${results.idleRead.tableSessions} sessions (p50 / p95 ms)`]: `${results.idleRead.p50Ms.toFixed(2)} / ${results.idleRead.p95Ms.toFixed(2)}`,
  "re-read after others' writes (p50 / p95 ms)": `${results.idleRead.afterOtherWritesP50Ms.toFixed(2)} / ${results.idleRead.afterOtherWritesP95Ms.toFixed(2)}`,
  're-read, client CPU µs': results.idleRead.clientCpuUsPerRead,
});
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `live-updates-${results.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${file}`);
