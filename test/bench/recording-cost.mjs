#!/usr/bin/env node
// What recording costs a relayed tool call. Two Airlock paths run side by side to the same
// upstream: one with recording off, one with recording on (the product default: spool on both
// sides, PGlite store in the gateway). Calls go direct, through the off path and through the on
// path in interleaved blocks (the order rotates each round), so all three are measured over the
// same seconds of the machine's life: on a small shared machine, separate runs drift by ±0.1 ms
// between them, more than the effect being measured.
//
//   node test/bench/recording-cost.mjs [--rounds 20] [--block 500] [--settle-ms 150]
//                                      [--store pglite|postgres] [--out file.json]
//
// Each block starts with `--settle-ms` of calls that are not counted: the recording path's
// delivery pump lingers 50 ms and then stores a batch, and that work must neither land in the
// next block's figures nor be left out of its own (a block's own deliveries fall inside it).
// Reports pooled percentiles per path, the per-round differences (median and range), and CPU per
// call of each process during each path's blocks. Needs `npx tsc -b`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { startPostgres, startServerProcess, testkitBins } from '@airlock/testkit';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { openSession, percentile } from './mcp-load.mjs';
import { cpuPerCall, sampleCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    rounds: { type: 'string', default: '20' },
    block: { type: 'string', default: '500' },
    'settle-ms': { type: 'string', default: '150' },
    warmup: { type: 'string', default: '2000' },
    store: { type: 'string', default: 'pglite' },
    'log-level': { type: 'string', default: 'info' },
    out: { type: 'string' },
  },
});
const whole = (name, min) => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number of at least ${min} (got ${args[name]})`);
    process.exit(2);
  }
  return value;
};
const plan = {
  rounds: whole('rounds', 1),
  block: whole('block', 10),
  settleMs: whole('settle-ms', 0),
  warmup: whole('warmup', 0),
};
if (args.store !== 'pglite' && args.store !== 'postgres') {
  console.error(`--store must be pglite or postgres (got ${args.store})`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'airlock-recording-cost-'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const stops = [];
const round = (n) => Math.round(n * 1000) / 1000;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const summary = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  return {
    calls: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
  };
};

/** One timed echo call, in milliseconds. */
async function timedCall(session, i) {
  const start = process.hrtime.bigint();
  await session.call('echo', { text: `hello ${i}` });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let postgres;
try {
  postgres = args.store === 'postgres' ? await startPostgres() : undefined;
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  stops.push(() => upstream.process.kill());
  const stack = async (recording) => {
    const started = await startAirlockStack({
      dir: join(dir, recording),
      upstreamUrl: upstream.url,
      recording: recordingSection(recording, postgres?.connectionString),
      logLevel: args['log-level'],
      env,
    });
    stops.push(started.stop);
    return started;
  };
  const off = await stack('off');
  const on = await stack('on');
  const pids = {
    upstream: upstream.process.child.pid,
    offGateway: off.pids.gateway,
    offAgent: off.pids.agent,
    onGateway: on.pids.gateway,
    onAgent: on.pids.agent,
  };
  const paths = {
    direct: await openSession(upstream.url),
    off: await openSession(off.url),
    on: await openSession(on.url),
  };
  const names = Object.keys(paths);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const cpuTotals = Object.fromEntries(names.map((name) => [name, { calls: 0, perRole: {} }]));
  const rounds = [];

  // Warm-up, interleaved too, so the JIT has settled on every path before anything counts.
  for (let i = 0; i < plan.warmup; i++) for (const name of names) await timedCall(paths[name], i);

  let callIndex = 0;
  for (let r = 0; r < plan.rounds; r++) {
    const order = names.map((_, k) => names[(k + r) % names.length]);
    const p50s = {};
    for (const name of order) {
      const session = paths[name];
      const settleUntil = performance.now() + plan.settleMs;
      while (performance.now() < settleUntil) await timedCall(session, callIndex++);
      const before = sampleCpu(pids);
      const block = new Float64Array(plan.block);
      for (let i = 0; i < plan.block; i++) block[i] = await timedCall(session, callIndex++);
      const used = cpuPerCall(before, sampleCpu(pids), 1);
      const totals = cpuTotals[name];
      totals.calls += plan.block;
      for (const [role, cpu] of Object.entries(used)) {
        totals.perRole[role] = (totals.perRole[role] ?? 0) + cpu.totalUs;
      }
      samples[name].push(...block);
      p50s[name] = percentile(Float64Array.from(block).sort(), 50);
    }
    rounds.push({
      round: r + 1,
      order,
      airlockP50: round(p50s.off - p50s.direct),
      recordingP50: round(p50s.on - p50s.off),
    });
  }
  for (const session of Object.values(paths)) await session.close();

  const latency = Object.fromEntries(names.map((name) => [name, summary(samples[name])]));
  const perRound = rounds.map((r) => r.recordingP50);
  const cpuUsPerCall = Object.fromEntries(
    names.map((name) => [
      name,
      Object.fromEntries(
        Object.entries(cpuTotals[name].perRole).map(([role, us]) => [
          role,
          Math.round(us / cpuTotals[name].calls),
        ]),
      ),
    ]),
  );
  const result = {
    benchmark: 'recording-cost',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    store: args.store,
    plan,
    latencyMs: latency,
    airlockAddsP50: round(latency.off.p50 - latency.direct.p50),
    recordingAdds: {
      p50: round(latency.on.p50 - latency.off.p50),
      p90: round(latency.on.p90 - latency.off.p90),
      p99: round(latency.on.p99 - latency.off.p99),
      perRoundP50: {
        median: round(median(perRound)),
        min: Math.min(...perRound),
        max: Math.max(...perRound),
      },
    },
    cpuUsPerCall,
    rounds,
    target: { recordingP50Ms: 0.2 },
  };

  console.log(
    `\nRecording cost: echo tool, ${plan.rounds} rounds × ${plan.block} calls per path (direct, recording off, recording on; ${args.store} store), interleaved\n`,
  );
  console.log('| path          | p50 (ms) | p90 (ms) | p99 (ms) |');
  console.log('|---------------|----------|----------|----------|');
  const label = { direct: 'direct', off: 'recording off', on: 'recording on' };
  for (const name of names) {
    const l = latency[name];
    console.log(
      `| ${label[name].padEnd(13)} | ${l.p50.toFixed(3).padStart(8)} | ${l.p90.toFixed(3).padStart(8)} | ${l.p99.toFixed(3).padStart(8)} |`,
    );
  }
  const ra = result.recordingAdds;
  console.log(
    `\nAirlock (recording off) adds ${result.airlockAddsP50} ms p50 to a direct call. Recording adds ${ra.p50} ms p50 (target ≤ 0.2), ${ra.p90} ms p90, ${ra.p99} ms p99;` +
      ` per round: median ${ra.perRoundP50.median}, range ${round(ra.perRoundP50.min)} to ${round(ra.perRoundP50.max)} ms.`,
  );
  for (const name of names) {
    const roles = Object.entries(cpuUsPerCall[name])
      .filter(([, us]) => us > 0)
      .map(([role, us]) => `${role} ${us}`)
      .join(', ');
    console.log(`CPU µs per call during ${label[name]} blocks: ${roles}`);
  }
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `recording-cost-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`JSON: ${out}`);
} finally {
  await Promise.all(stops.map((stop) => stop()));
  await postgres?.stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
