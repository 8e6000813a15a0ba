#!/usr/bin/env node
// What a 2026-07-28 (modern, stateless) request costs through Airlock, against the same call made
// directly and against a 2025-era call in a session through the same Airlock, in one run.
//
// The upstream is the test kit's modern HTTP server (v2 SDK), which also answers 2025-era clients
// statelessly, so both eras reach the same server over the same `echo` connection. Every client is
// the v2 SDK client: pinned to 2026-07-28 (`modern`) or running the 2025 initialize handshake
// (`2025`). Four paths, measured in interleaved blocks so that machine noise hits them alike:
//
//   modern direct · modern airlock · 2025 direct · 2025 airlock
//
//   node test/bench/modern-exchange-cost.mjs [--quick] [--calls 3000] [--warmup 1000] [--block 100]
//                                            [--concurrency 32] [--duration-ms 4000] [--recording on|off]
//                                            [--standby-streams 16] [--log-level info] [--out file.json]
//
// --only modern|2025: run one era's two paths only (e.g. to profile it alone with BENCH_CPU_PROF).
// --standby-streams: the gateway's gateway.tunnel.standbyStreams (0: every exchange opens its tunnel
// stream on demand, as before standby streams existed), to compare both in the same conditions.
// Prints p50/p90/p99 (sequential), calls/s with 32 concurrent callers, and CPU µs per call of each
// process (gateway, agent, upstream, this load generator) per path, each block read from quiet to
// quiet (its recording work stored after it counts towards it); writes a JSON file (default
// test/bench/results/modern-exchange-<time>.json). BENCH_CPU_PROF=<dir> writes CPU profiles of
// the gateway and the agent (see airlock-stack.mjs).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { connectV2Client, startServerProcess, testkitBins } from '@airlock/testkit';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { percentile } from './mcp-load.mjs';
import { cpuPerCall, settledCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    quick: { type: 'boolean', default: false },
    calls: { type: 'string' },
    warmup: { type: 'string' },
    block: { type: 'string' },
    concurrency: { type: 'string' },
    'duration-ms': { type: 'string' },
    recording: { type: 'string', default: 'on' },
    'standby-streams': { type: 'string' },
    only: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    out: { type: 'string' },
  },
});
const wholeNumber = (name, fallback) => {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number above 0 (got ${raw})`);
    process.exit(2);
  }
  return n;
};
if (args.recording !== 'on' && args.recording !== 'off') {
  console.error(`--recording must be on or off (got ${args.recording})`);
  process.exit(2);
}
const plan = {
  calls: wholeNumber('calls', args.quick ? 200 : 3000),
  warmup: wholeNumber('warmup', args.quick ? 50 : 1000),
  block: wholeNumber('block', 100),
  concurrency: wholeNumber('concurrency', 32),
  durationMs: wholeNumber('duration-ms', args.quick ? 1000 : 4000),
};

const standbyStreams = args['standby-streams'] === undefined ? undefined : Number(args['standby-streams']);
if (standbyStreams !== undefined && !(Number.isInteger(standbyStreams) && standbyStreams >= 0)) {
  console.error(`--standby-streams must be a whole number (got ${args['standby-streams']})`);
  process.exit(2);
}

const ALL_PATHS = ['modernDirect', 'modernAirlock', 'legacyDirect', 'legacyAirlock'];
if (args.only !== undefined && args.only !== 'modern' && args.only !== '2025') {
  console.error(`--only must be modern or 2025 (got ${args.only})`);
  process.exit(2);
}
const PATHS =
  args.only === undefined
    ? ALL_PATHS
    : ALL_PATHS.filter((p) => p.startsWith(args.only === 'modern' ? 'modern' : 'legacy'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const dir = mkdtempSync(join(tmpdir(), 'airlock-modern-bench-'));
const stops = [];
const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function addCpu(total, part) {
  for (const [role, c] of Object.entries(part)) {
    const into = (total[role] ??= { totalUs: 0, systemUs: 0, backgroundUs: 0, calls: 0 });
    into.totalUs += c.totalUs * c.calls;
    into.systemUs += c.systemUs * c.calls;
    into.backgroundUs += c.backgroundUs * c.calls;
    into.calls += c.calls;
  }
}

function perCall(total) {
  return Object.fromEntries(
    Object.entries(total).map(([role, c]) => [
      role,
      {
        totalUs: Math.round(c.totalUs / c.calls),
        systemUs: Math.round(c.systemUs / c.calls),
        backgroundUs: Math.round(c.backgroundUs / c.calls),
      },
    ]),
  );
}

/** CPU per call of one block, with the call count kept so blocks can be averaged by weight. */
function blockCpu(before, after, calls) {
  const parts = cpuPerCall(before, after, calls);
  return Object.fromEntries(Object.entries(parts).map(([role, c]) => [role, { ...c, calls }]));
}

async function callEcho(client, text) {
  const result = await client.callTool({ name: 'echo', arguments: { text } });
  if (result.isError || result.content?.[0]?.text !== text)
    throw new Error(`echo answered ${JSON.stringify(result).slice(0, 200)}`);
}

try {
  const upstream = await startServerProcess(testkitBins.modernHttp, ['--port', '0'], { env });
  stops.push(() => upstream.process.kill());
  const airlock = await startAirlockStack({
    dir: join(dir, 'airlock'),
    upstreamUrl: upstream.url,
    recording: recordingSection(args.recording),
    logLevel: args['log-level'],
    env,
    // The stack's own tunnel section, repeated with the setting (the extras replace whole keys).
    ...(standbyStreams === undefined
      ? {}
      : {
          gatewayExtra: {
            tunnel: {
              listen: { host: '127.0.0.1', port: 0 },
              tls: { certFile: 'tunnel.crt', keyFile: 'tunnel.key' },
              standbyStreams,
            },
          },
        }),
    agentExtra: {
      connections: { echo: { transport: 'http', url: upstream.url, eras: ['legacy', 'modern'] } },
    },
  });
  stops.push(() => airlock.stop());
  const pids = { ...airlock.pids, upstream: upstream.process.child.pid };

  const clients = {
    modernDirect: await connectV2Client(upstream.url, { era: 'modern', name: 'bench-modern' }),
    modernAirlock: await connectV2Client(airlock.url, { era: 'modern', name: 'bench-modern' }),
    legacyDirect: await connectV2Client(upstream.url, { era: 'legacy', name: 'bench-2025' }),
    legacyAirlock: await connectV2Client(airlock.url, { era: 'legacy', name: 'bench-2025' }),
  };
  for (const [path, client] of Object.entries(clients)) {
    const era = client.getProtocolEra?.();
    const expected = path.startsWith('modern') ? 'modern' : 'legacy';
    if (era !== undefined && era !== expected) throw new Error(`${path} negotiated ${era}, not ${expected}`);
  }

  // Warm-up: the same number of calls on every path, interleaved.
  for (let i = 0; i < plan.warmup; i++) {
    for (const path of PATHS) await callEcho(clients[path], `warm ${i}`);
  }

  // Sequential: blocks of `block` calls, the four paths in turn, CPU sampled around each block.
  const samples = Object.fromEntries(PATHS.map((p) => [p, []]));
  const cpuSequential = Object.fromEntries(PATHS.map((p) => [p, {}]));
  // From quiet to quiet: a block's recording work (stored up to ~400 ms later) counts towards its
  // own path, not towards whichever block runs next.
  let mark = (await settledCpu(pids)).sample;
  for (let done = 0; done < plan.calls; done += plan.block) {
    const n = Math.min(plan.block, plan.calls - done);
    for (const path of PATHS) {
      for (let i = 0; i < n; i++) {
        const start = process.hrtime.bigint();
        await callEcho(clients[path], `hello ${done + i}`);
        samples[path].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      const quiet = (await settledCpu(pids)).sample;
      addCpu(cpuSequential[path], blockCpu(mark, quiet, n));
      mark = quiet;
    }
  }
  const latency = Object.fromEntries(
    PATHS.map((path) => {
      const sorted = samples[path].sort((a, b) => a - b);
      return [
        path,
        {
          calls: sorted.length,
          p50: round(percentile(sorted, 50)),
          p90: round(percentile(sorted, 90)),
          p99: round(percentile(sorted, 99)),
          max: round(sorted.at(-1)),
        },
      ];
    }),
  );

  // Concurrent: `concurrency` callers per path for durationMs, the paths one after the other,
  // twice (the order reversed the second time), after a short warm-up each.
  const throughput = Object.fromEntries(PATHS.map((p) => [p, { completed: 0, failed: 0, seconds: 0 }]));
  const cpuLoaded = Object.fromEntries(PATHS.map((p) => [p, {}]));
  const load = async (client, ms) => {
    const deadline = performance.now() + ms;
    let completed = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: plan.concurrency }, async (_, worker) => {
        while (performance.now() < deadline) {
          try {
            await callEcho(client, `w${worker}`);
            completed++;
          } catch {
            failed++;
          }
        }
      }),
    );
    return { completed, failed };
  };
  for (const order of [PATHS, [...PATHS].reverse()]) {
    for (const path of order) {
      await load(clients[path], Math.min(500, plan.durationMs / 4));
      const before = (await settledCpu(pids)).sample;
      const start = performance.now();
      const { completed, failed } = await load(clients[path], plan.durationMs / 2);
      const seconds = (performance.now() - start) / 1000;
      throughput[path].completed += completed;
      throughput[path].failed += failed;
      throughput[path].seconds += seconds;
      const after = (await settledCpu(pids)).sample;
      if (completed > 0) addCpu(cpuLoaded[path], blockCpu(before, after, completed));
    }
  }
  for (const t of Object.values(throughput)) t.callsPerSecond = Math.round(t.completed / t.seconds);
  await Promise.all(Object.values(clients).map((c) => c.close()));

  const added = (era, p) =>
    latency[`${era}Airlock`] ? round(latency[`${era}Airlock`][p] - latency[`${era}Direct`][p]) : null;
  const ratioOf = (era) =>
    throughput[`${era}Airlock`]
      ? round(throughput[`${era}Airlock`].callsPerSecond / throughput[`${era}Direct`].callsPerSecond, 2)
      : null;
  const result = {
    benchmark: 'modern-exchange-cost',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    loadAverage: loadavg().map((l) => round(l, 2)),
    plan,
    recording: args.recording === 'on' ? 'on (spool, PGlite store)' : 'off',
    standbyStreams: standbyStreams ?? 'default',
    logLevel: args['log-level'],
    latencyMs: latency,
    addedMs: {
      modern: { p50: added('modern', 'p50'), p90: added('modern', 'p90'), p99: added('modern', 'p99') },
      legacy: { p50: added('legacy', 'p50'), p90: added('legacy', 'p90'), p99: added('legacy', 'p99') },
    },
    throughput,
    ratio: {
      modern: ratioOf('modern'),
      legacy: ratioOf('legacy'),
    },
    cpuMicrosecondsPerCall: {
      sequential: Object.fromEntries(PATHS.map((p) => [p, perCall(cpuSequential[p])])),
      loaded: Object.fromEntries(PATHS.map((p) => [p, perCall(cpuLoaded[p])])),
    },
    targets: { modernAddedP50AtMostLegacy: true, modernAddedP99Ms: 3 },
  };

  const label = {
    modernDirect: 'modern direct',
    modernAirlock: 'modern airlock',
    legacyDirect: '2025 direct',
    legacyAirlock: '2025 airlock',
  };
  console.log(
    `\nModern exchange cost: echo via the v2 SDK client, ${plan.calls} sequential calls per path in blocks of ${plan.block}; ${plan.concurrency} concurrent callers for ${plan.durationMs / 1000} s per path (recording ${args.recording}, standby streams ${standbyStreams ?? 'default'}, log level ${args['log-level']}, load average ${result.loadAverage.join(' ')})\n`,
  );
  console.log(
    '| path           | p50 (ms) | p90 (ms) | p99 (ms) | calls/s @' +
      String(plan.concurrency).padEnd(3) +
      '| errors | CPU µs/call seq: gateway / agent / upstream / client | CPU µs/call @' +
      plan.concurrency +
      ': gateway / agent |',
  );
  console.log(
    '|----------------|----------|----------|----------|--------------|--------|------------------------------------------------------|---------------------------|',
  );
  for (const path of PATHS) {
    const l = latency[path];
    const t = throughput[path];
    const s = result.cpuMicrosecondsPerCall.sequential[path];
    const c = result.cpuMicrosecondsPerCall.loaded[path];
    const us = (x) => String(x?.totalUs ?? '-');
    console.log(
      `| ${label[path].padEnd(14)} | ${l.p50.toFixed(3).padStart(8)} | ${l.p90.toFixed(3).padStart(8)} | ${l.p99.toFixed(3).padStart(8)} | ${String(t.callsPerSecond).padStart(12)} | ${String(t.failed).padStart(6)} | ${`${us(s.gateway)} / ${us(s.agent)} / ${us(s.upstream)} / ${us(s.loadGenerator)}`.padEnd(52)} | ${`${us(c.gateway)} / ${us(c.agent)}`.padEnd(25)} |`,
    );
  }
  console.log(
    `\nAdded by Airlock: modern p50 +${result.addedMs.modern.p50} ms, p99 +${result.addedMs.modern.p99} ms; 2025-era p50 +${result.addedMs.legacy.p50} ms, p99 +${result.addedMs.legacy.p99} ms. ` +
      `Throughput × direct: modern ${result.ratio.modern}, 2025-era ${result.ratio.legacy}.`,
  );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `modern-exchange-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`JSON: ${out}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
