#!/usr/bin/env node
// Recording benchmark: the local spool and the session recorder, in one process, per fsync policy.
//
//   node test/bench/recording-bench.mjs [--quick] [--out file.json]
//
// Measures, for each policy: append latency (one append at a time, p50/p99), spool throughput
// (64 appends in flight), and the SessionRecorder's added latency per tool call (request and
// response recorded, as the gateway does) against the direct path (recording off) in the same run.
// Also the recovery scan rate at open. Prints a table and writes a JSON file
// (default test/bench/results/recording-<time>.json). Needs `npx tsc -b packages/recording`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { SessionRecorder, Spool } from '../../packages/recording/dist/index.js';

const { values: args } = benchArgs(import.meta.url, {
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const plan = args.quick
  ? { latencyOps: 2000, throughputMs: 1000, warmup: 200, scanMiB: 16 }
  : { latencyOps: 20000, throughputMs: 4000, warmup: 2000, scanMiB: 128 };
const root = mkdtempSync(join(tmpdir(), 'airlock-recording-bench-'));
let dirs = 0;
const freshDir = () => join(root, `spool-${(dirs += 1)}`);

const caller = { subject: 'user-123', email: 'alice@example.com', groups: ['dev'], anonymous: false };
const context = (sessionId) => ({
  sessionId,
  connection: 'github',
  caller,
  era: 'legacy',
  protocolVersion: '2025-06-18',
});
// A typical tools/call and its result (~0.5 KiB each as JSON).
const callMessage = (id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'search_issues', arguments: { query: 'label:bug state:open', limit: 20 } },
});
const resultMessage = (id) => ({
  jsonrpc: '2.0',
  id,
  result: { content: [{ type: 'text', text: 'issue #1234: crash on start '.repeat(12) }] },
});
let eventSeq = 0;
const event = () => ({
  schema: 1,
  id: `e-${(eventSeq += 1)}`,
  sessionId: 's',
  source: 'gateway',
  seq: eventSeq,
  at: new Date().toISOString(),
  kind: 'message',
  identity: { subject: 'user-123', groups: ['dev'] },
  connection: 'github',
  era: 'legacy',
  protocolVersion: '2025-06-18',
  direction: 'server_to_client',
  message: resultMessage(eventSeq),
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
function summary(samplesNs) {
  const sorted = Float64Array.from(samplesNs).sort();
  return { p50Us: percentile(sorted, 0.5) / 1000, p99Us: percentile(sorted, 0.99) / 1000 };
}

async function appendLatency(policy) {
  const spool = await Spool.open({ dir: freshDir(), fsync: policy });
  for (let i = 0; i < plan.warmup; i += 1) await spool.append(event());
  const samples = [];
  for (let i = 0; i < plan.latencyOps; i += 1) {
    const start = process.hrtime.bigint();
    await spool.append(event());
    samples.push(Number(process.hrtime.bigint() - start));
  }
  await spool.close();
  return summary(samples);
}

async function appendThroughput(policy, fsyncIntervalMs) {
  const spool = await Spool.open({
    dir: freshDir(),
    fsync: policy,
    ...(fsyncIntervalMs ? { fsyncIntervalMs } : {}),
  });
  let count = 0;
  let bytes = 0;
  const deadline = performance.now() + plan.throughputMs;
  const sample = JSON.stringify(event()).length + 8;
  const worker = async () => {
    while (performance.now() < deadline) {
      await spool.append(event());
      count += 1;
      bytes += sample;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: 64 }, worker));
  const seconds = (performance.now() - start) / 1000;
  await spool.close();
  return {
    eventsPerSecond: Math.round(count / seconds),
    mibPerSecond: +(bytes / seconds / 1024 / 1024).toFixed(1),
  };
}

/** One tool call as the gateway records it: the request, then the response. */
async function recorderPerCall(policy) {
  const spool = policy ? await Spool.open({ dir: freshDir(), fsync: policy }) : undefined;
  const recorder = spool ? new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-1' }) : undefined;
  const direct = { record: async () => undefined };
  const target = recorder ?? direct;
  const samples = [];
  const total = plan.latencyOps / 2;
  for (let i = 0; i < plan.warmup / 2 + total; i += 1) {
    const ctx = context(`session-${i % 50}`);
    const start = process.hrtime.bigint();
    await target.record(ctx, {
      source: 'gateway',
      direction: 'client_to_server',
      message: callMessage(i),
      at: Date.now(),
    });
    await target.record(ctx, {
      source: 'gateway',
      direction: 'server_to_client',
      message: resultMessage(i),
      at: Date.now(),
    });
    if (i >= plan.warmup / 2) samples.push(Number(process.hrtime.bigint() - start));
  }
  await spool?.close();
  return summary(samples);
}

async function recoveryScan() {
  const dir = freshDir();
  let spool = await Spool.open({ dir, fsync: 'never', sinks: ['store'] });
  const target = plan.scanMiB * 1024 * 1024;
  let written = 0;
  const one = JSON.stringify(event()).length + 8;
  while (written < target) {
    await Promise.all(Array.from({ length: 256 }, () => spool.append(event())));
    written += 256 * one;
  }
  await spool.close();
  const start = performance.now();
  spool = await Spool.open({ dir, sinks: ['store'] });
  const ms = performance.now() - start;
  await spool.close();
  return {
    mib: +(written / 1024 / 1024).toFixed(0),
    openMs: Math.round(ms),
    mibPerSecond: Math.round(written / 1024 / 1024 / (ms / 1000)),
  };
}

const result = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  plan,
  eventBytes: JSON.stringify(event()).length,
  policies: {},
  intervals: {},
  toolCall: {},
};
try {
  result.toolCall.direct = await recorderPerCall(undefined);
  for (const policy of ['always', 'interval', 'never']) {
    result.policies[policy] = {
      latency: await appendLatency(policy),
      throughput: await appendThroughput(policy),
    };
    result.toolCall[policy] = await recorderPerCall(policy);
  }
  for (const ms of [2, 10, 100]) result.intervals[ms] = await appendThroughput('interval', ms);
  result.recoveryScan = await recoveryScan();
} finally {
  rmSync(root, { recursive: true, force: true });
}

const rows = [
  [
    'fsync policy',
    'append p50 µs',
    'append p99 µs',
    'events/s (64 in flight)',
    'MiB/s',
    'tool call +p50 µs',
    'tool call +p99 µs',
  ],
];
for (const [policy, { latency, throughput }] of Object.entries(result.policies)) {
  const call = result.toolCall[policy];
  rows.push([
    policy,
    latency.p50Us.toFixed(1),
    latency.p99Us.toFixed(1),
    String(throughput.eventsPerSecond),
    String(throughput.mibPerSecond),
    (call.p50Us - result.toolCall.direct.p50Us).toFixed(1),
    (call.p99Us - result.toolCall.direct.p99Us).toFixed(1),
  ]);
}
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
for (const row of rows) console.log(row.map((cell, column) => cell.padStart(widths[column])).join('  '));
console.log(
  `interval throughput (events/s): ${Object.entries(result.intervals)
    .map(([ms, r]) => `${ms} ms: ${r.eventsPerSecond}`)
    .join(', ')}`,
);
console.log(
  `recovery scan at open: ${result.recoveryScan.mib} MiB in ${result.recoveryScan.openMs} ms (${result.recoveryScan.mibPerSecond} MiB/s)`,
);
console.log(
  `event size ${result.eventBytes} B; tool call = 2 recorded messages; direct path p50 ${result.toolCall.direct.p50Us.toFixed(1)} µs`,
);
const out =
  args.out ??
  join(
    new URL('.', import.meta.url).pathname,
    'results',
    `recording-${result.at.replace(/[:.]/g, '-')}.json`,
  );
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
