#!/usr/bin/env node
// Scale benchmark: what a gateway and an agent hold in memory, with gateway, agent and upstream
// (the test kit's kitchen sink over stateful Streamable HTTP) each in its own process, as deployed.
//
//   node test/bench/scale-bench.mjs [--sessions 1000,10000] [--result-mib 100] [--soak-minutes 0]
//                                   [--recording on|off] [--only footprint,sessions,result,soak]
//                                   [--out file.json]
//
// (c) footprint: the resident size (RSS) and V8 heap of each role right after start and after 10 s
//     and 30 s idle, then right after 20 s at full speed (32 callers) and 30 s after that.
//     Targets: gateway (embedded PGlite store) < 250 MB, agent < 100 MB.
// (a) sessions: opens N idle 2025-era sessions (initialize + notifications/initialized, then
//     nothing) for each N in --sessions, cumulatively on one gateway and agent; memory per session
//     is (after − before) / N. Target ≤ 50 KiB per session on the gateway.
// (b) result: one `big` tool call whose result is a --result-mib MiB text, read by the client;
//     the peak RSS growth of each role over its RSS before the call (the kernel's high-water mark,
//     reset before the call, and a 20 ms poll), and what each still holds 10 s after the
//     recorded copies were stored. Target ≤ 64 MiB on each role.
// (d) soak: 32 callers at full speed for --soak-minutes minutes; the RSS of each role every 10 s,
//     and its slope after the first third (warm-up) in MB per minute. Off unless --soak-minutes > 0.
//
// Each part runs on a fresh gateway and agent. Prints a table and writes a JSON file (default
// test/bench/results/scale-<time>.json). Memory is read from /proc (Linux) and from each role's
// metrics (nodejs_heap_size_*), so both roles run with an operations listener.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { startServerProcess, testkitBins } from '@airlock/testkit';
import { Pool } from 'undici';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { initializeSession, openSession } from './mcp-load.mjs';
import {
  metricSum,
  mib,
  resetPeak,
  residentMemory,
  sampleMemory,
  slope,
  watchPeak,
} from './process-memory.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    sessions: { type: 'string', default: '1000,10000' },
    'result-mib': { type: 'string', default: '100' },
    'soak-minutes': { type: 'string', default: '0' },
    recording: { type: 'string', default: 'on' },
    only: { type: 'string', default: 'footprint,sessions,result,soak' },
    out: { type: 'string' },
  },
});
const sessionCounts = args.sessions.split(',').map(Number);
const resultMiB = Number(args['result-mib']);
const soakMinutes = Number(args['soak-minutes']);
const parts = new Set(args.only.split(','));
if (sessionCounts.some((n) => !Number.isInteger(n) || n <= 0) || !(resultMiB > 0) || !(soakMinutes >= 0)) {
  console.error('--sessions takes whole numbers, --result-mib and --soak-minutes positive numbers');
  process.exit(2);
}
if (args.recording !== 'on' && args.recording !== 'off') {
  console.error(`--recording must be on or off (got ${args.recording})`);
  process.exit(2);
}

const MIB = 1024 * 1024;
const KIB = 1024;
const dir = mkdtempSync(join(tmpdir(), 'airlock-scale-'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const operations = { operations: { listen: { host: '127.0.0.1', port: 0 } } };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const result = {
  benchmark: 'scale',
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  recording: args.recording,
  targets: { gatewayPerSessionKiB: 50, resultPeakGrowthMiB: 64, gatewayIdleMB: 250, agentIdleMB: 100 },
};

async function withStack(name, run) {
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  const stack = await startAirlockStack({
    dir: join(dir, name),
    upstreamUrl: upstream.url,
    recording: recordingSection(args.recording),
    logLevel: 'info',
    env,
    // Room for the big result: both roles cap one message at 64 MiB by default.
    gatewayExtra: { ...operations, limits: { maxMessageBytes: (resultMiB + 16) * MIB } },
    agentExtra: { ...operations, limits: { maxMessageBytes: (resultMiB + 16) * MIB } },
  });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
    await upstream.process.kill();
  }
}

/** Opens `count` idle legacy sessions through one keep-alive pool, 16 at a time. */
async function openIdleSessions(pool, path, count) {
  let opened = 0;
  const openOne = async () => {
    const { initStatus, initializedStatus } = await initializeSession(pool, path, {
      clientName: 'scale',
    });
    if (initStatus !== 200) throw new Error(`initialize: ${initStatus}`);
    if (initializedStatus !== 202) throw new Error(`notifications/initialized: ${initializedStatus}`);
  };
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (opened < count) {
        opened++;
        await openOne();
      }
    }),
  );
}

const perRole = (fn) => ({ gateway: fn('gateway'), agent: fn('agent') });

async function footprint() {
  return withStack('footprint', async (stack) => {
    const afterStart = await sampleMemory(stack.pids, stack.operations);
    await sleep(10_000);
    const idle = await sampleMemory(stack.pids, stack.operations);
    // Quiet roles give back what their start-up grew (trimHeapWhenQuiet): after 5 s of quiet, or a
    // few tries later when V8 still judges the allocation rate high.
    await sleep(20_000);
    const settled = await sampleMemory(stack.pids, stack.operations);
    // Then 20 s at full speed (32 callers), and what each role holds right after and 30 s later.
    const session = await openSession(stack.url);
    const deadline = performance.now() + 20_000;
    let calls = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, worker) => {
        while (performance.now() < deadline) {
          await session.call('echo', { text: `w${worker}` });
          calls++;
        }
      }),
    );
    const afterLoad = await sampleMemory(stack.pids, stack.operations);
    await sleep(30_000);
    const quietAfterLoad = await sampleMemory(stack.pids, stack.operations);
    await session.close();
    return {
      afterStart,
      idle,
      settled,
      load: { seconds: 20, callers: 32, calls },
      afterLoad,
      quietAfterLoad,
    };
  });
}

async function sessions() {
  return withStack('sessions', async (stack) => {
    const target = new URL(stack.url);
    const pool = new Pool(target.origin, { connections: 16, keepAliveTimeout: 600_000 });
    await sleep(3000);
    const before = await sampleMemory(stack.pids, stack.operations);
    const rows = [];
    let open = 0;
    for (const count of sessionCounts) {
      await openIdleSessions(pool, target.pathname, count - open);
      open = count;
      await sleep(5000); // idle: the sessions' own timers and streams settle
      const after = await sampleMemory(stack.pids, stack.operations);
      rows.push({
        sessions: count,
        after,
        perSessionKiB: perRole((role) => ({
          rss: Math.round(((after[role].rss - before[role].rss) / count / KIB) * 10) / 10,
          heapUsed: Math.round(((after[role].heapUsed - before[role].heapUsed) / count / KIB) * 10) / 10,
        })),
      });
    }
    await pool.close();
    return { before, rows };
  });
}

async function bigResult() {
  return withStack('result', async (stack) => {
    const session = await openSession(stack.url);
    await session.call('echo', { text: 'warm' });
    await sleep(2000);
    const before = await sampleMemory(stack.pids, stack.operations);
    const scrape = stallWatch(stack);
    await scrape('gateway');
    await scrape('agent');
    scrape.stalls.gateway = scrape.stalls.agent = 0;
    const hwmReset = Object.values(stack.pids).every(resetPeak);
    const watch = watchPeak(stack.pids);
    const bytes = resultMiB * MIB;
    const suffix = 'END-OF-THE-BIG-RESULT';
    const started = performance.now();
    const target = new URL(stack.url);
    const pool = new Pool(target.origin, { connections: 1, bodyTimeout: 600_000, headersTimeout: 600_000 });
    const res = await pool.request({
      path: target.pathname,
      method: 'POST',
      headers: {
        ...HEADERS,
        'mcp-session-id': session.sessionId,
        'mcp-protocol-version': session.protocolVersion,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'big', arguments: { bytes, suffix } },
      }),
    });
    // The client reads the whole answer, but keeps only its size and its last bytes.
    let received = 0;
    let tail = '';
    for await (const chunk of res.body) {
      received += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-256);
    }
    const seconds = (performance.now() - started) / 1000;
    const peakAtAnswer = watch.sofar(hwmReset);
    // The agent's recorded copy travels to the gateway after the answer: wait for it to be stored,
    // so its cost counts (and a tunnel that drops while delivering it shows).
    const delivered = await recordingDelivered(scrape, 300_000);
    const recordedSeconds = (performance.now() - started) / 1000;
    const polled = watch.stop();
    await scrape('gateway');
    await scrape('agent');
    const stall = { ...scrape.stalls };
    await pool.close();
    // What stays: each role's size 10 s after its recorded copy was stored (what a store or a heap
    // kept, and garbage V8 has not collected yet: an idle process collects only when it allocates).
    await sleep(10_000);
    const settled = await sampleMemory(stack.pids, stack.operations);
    const peak = perRole((role) => {
      const hwm = residentMemory(stack.pids[role])?.peak ?? 0;
      return Math.max(hwmReset ? hwm : 0, polled[role]);
    });
    const complete = res.statusCode === 200 && tail.includes(suffix);
    await session.close();
    return {
      resultMiB,
      status: res.statusCode,
      complete,
      answerBytes: received,
      answerTail: complete ? undefined : tail.slice(-200),
      seconds: Math.round(seconds * 10) / 10,
      recordingDelivered: delivered,
      recordedSeconds: Math.round(recordedSeconds * 10) / 10,
      longestEventLoopStallMs: stall,
      peakMeasuredBy: hwmReset ? 'VmHWM after clear_refs, and a 20 ms RSS poll' : '20 ms RSS poll',
      before,
      peakRss: peak,
      peakGrowthMiB: perRole((role) => mib(peak[role] - before[role].rss)),
      // Until the client had the whole answer (before the recorded copies were stored).
      peakGrowthAtAnswerMiB: perRole((role) => mib(peakAtAnswer[role] - before[role].rss)),
      settled,
      settledGrowthMiB: perRole((role) => mib(settled[role].rss - before[role].rss)),
    };
  });
}

/**
 * `scrape(role)` reads a role's /metrics and returns the text, keeping in `scrape.stalls` the
 * longest event-loop stall (ms) seen: prom-client resets its event-loop delay histogram on each
 * scrape, so every scrape's maximum must be kept.
 */
function stallWatch(stack) {
  const stalls = { gateway: 0, agent: 0 };
  const scrape = async (role) => {
    const text = await (await fetch(`${stack.operations[role]}/metrics`)).text();
    const lag = metricSum(text, 'nodejs_eventloop_lag_max_seconds') ?? 0;
    stalls[role] = Math.max(stalls[role], Math.round(lag * 1000));
    return text;
  };
  scrape.stalls = stalls;
  return scrape;
}

/** True once no role has recorded bytes waiting in a spool or events waiting for the store. */
async function recordingDelivered(scrape, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const backlog = await Promise.all([scrape('agent'), scrape('gateway')])
      .then(([agent, gateway]) => [
        metricSum(agent, 'airlock_spool_backlog_bytes'),
        metricSum(gateway, 'airlock_spool_backlog_bytes'),
        metricSum(gateway, 'airlock_recording_store_backlog_events'),
      ])
      .catch(() => [1]);
    if (backlog.every((b) => (b ?? 0) === 0)) return true;
    await sleep(100);
  }
  return false;
}

async function soak() {
  return withStack('soak', async (stack) => {
    const session = await openSession(stack.url);
    const deadline = performance.now() + soakMinutes * 60_000;
    let completed = 0;
    let failed = 0;
    const series = [];
    const started = performance.now();
    const sample = async () => {
      const at = await sampleMemory(stack.pids, stack.operations);
      series.push({
        minute: Math.round(((performance.now() - started) / 60_000) * 100) / 100,
        calls: completed,
        ...perRole((role) => ({
          rssMB: mib(at[role].rss),
          heapUsedMB: mib(at[role].heapUsed),
          externalMB: mib(at[role].external),
        })),
      });
      const last = series.at(-1);
      console.log(
        `  ${last.minute.toFixed(2)} min  ${String(last.calls).padStart(8)} calls  gateway ${last.gateway.rssMB} MB (heap ${last.gateway.heapUsedMB}, external ${last.gateway.externalMB})  agent ${last.agent.rssMB} MB (heap ${last.agent.heapUsedMB}, external ${last.agent.externalMB})`,
      );
    };
    await sample();
    const timer = setInterval(() => void sample(), 10_000);
    await Promise.all(
      Array.from({ length: 32 }, async (_, worker) => {
        while (performance.now() < deadline) {
          try {
            await session.call('echo', { text: `w${worker}` });
            completed++;
          } catch {
            failed++;
          }
        }
      }),
    );
    clearInterval(timer);
    await sample();
    await session.close();
    const warm = series.filter((s) => s.minute >= soakMinutes / 3);
    return {
      minutes: soakMinutes,
      callers: 32,
      completed,
      failed,
      callsPerSecond: Math.round(completed / (soakMinutes * 60)),
      slopeAfterWarmupMBPerMinute: perRole(
        (role) => Math.round(slope(warm.map((s) => [s.minute, s[role].rssMB])) * 100) / 100,
      ),
      heapSlopeAfterWarmupMBPerMinute: perRole(
        (role) => Math.round(slope(warm.map((s) => [s.minute, s[role].heapUsedMB])) * 100) / 100,
      ),
      series,
    };
  });
}

try {
  if (parts.has('footprint')) result.footprint = await footprint();
  if (parts.has('sessions')) result.sessions = await sessions();
  if (parts.has('result')) result.result = await bigResult().catch((error) => ({ error: String(error) }));
  if (parts.has('soak') && soakMinutes > 0) result.soak = await soak();

  console.log(`\nScale benchmark (recording ${args.recording}); MB = MiB`);
  console.log('| measure | gateway | agent | target |');
  console.log('|---|---|---|---|');
  const mem = (m) => `${mib(m.rss)} MB RSS, heap ${mib(m.heapUsed)} MB`;
  if (result.footprint) {
    const f = result.footprint;
    console.log(`| right after start | ${mem(f.afterStart.gateway)} | ${mem(f.afterStart.agent)} | |`);
    console.log(`| idle 10 s | ${mem(f.idle.gateway)} | ${mem(f.idle.agent)} | gateway < 250, agent < 100 |`);
    console.log(
      `| idle 30 s | ${mem(f.settled.gateway)} | ${mem(f.settled.agent)} | gateway < 250, agent < 100 |`,
    );
    console.log(
      `| right after 20 s at 32 callers (${f.load.calls} calls) | ${mem(f.afterLoad.gateway)} | ${mem(f.afterLoad.agent)} | |`,
    );
    console.log(
      `| 30 s after that load | ${mem(f.quietAfterLoad.gateway)} | ${mem(f.quietAfterLoad.agent)} | |`,
    );
  }
  for (const row of result.sessions?.rows ?? []) {
    const cell = (role) =>
      `${row.perSessionKiB[role].rss} KiB RSS, ${row.perSessionKiB[role].heapUsed} KiB heap`;
    console.log(
      `| per idle session @${row.sessions} | ${cell('gateway')} | ${cell('agent')} | gateway ≤ 50 KiB |`,
    );
  }
  if (result.result?.error) console.log(`| ${resultMiB} MiB result | failed: ${result.result.error} | | |`);
  else if (result.result) {
    const r = result.result;
    console.log(
      `| ${resultMiB} MiB result peak growth (${r.complete ? `complete, ${r.seconds} s` : `INCOMPLETE, HTTP ${r.status}`}; ${r.recordingDelivered ? `recorded at ${r.recordedSeconds} s` : 'recording NOT delivered'}) | ${r.peakGrowthMiB.gateway} MiB | ${r.peakGrowthMiB.agent} MiB | ≤ 64 MiB |`,
    );
    console.log(
      `| … of it until the client had the answer | ${r.peakGrowthAtAnswerMiB.gateway} MiB | ${r.peakGrowthAtAnswerMiB.agent} MiB | |`,
    );
    console.log(
      `| … kept 10 s after it was recorded | ${r.settledGrowthMiB.gateway} MiB | ${r.settledGrowthMiB.agent} MiB | |`,
    );
    console.log(
      `| longest event-loop stall during it | ${r.longestEventLoopStallMs.gateway} ms | ${r.longestEventLoopStallMs.agent} ms | |`,
    );
  }
  if (result.soak) {
    const s = result.soak;
    console.log(
      `| soak ${s.minutes} min, ${s.callsPerSecond} calls/s, ${s.failed} failed: RSS slope after warm-up | ${s.slopeAfterWarmupMBPerMinute.gateway} MB/min | ${s.slopeAfterWarmupMBPerMinute.agent} MB/min | flat |`,
    );
    const first = s.series[0];
    const last = s.series.at(-1);
    console.log(
      `| soak RSS first → last | ${first.gateway.rssMB} → ${last.gateway.rssMB} MB | ${first.agent.rssMB} → ${last.agent.rssMB} MB | |`,
    );
  }
  const out =
    args.out ??
    join(new URL('.', import.meta.url).pathname, 'results', `scale-${result.at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
