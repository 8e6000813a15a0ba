#!/usr/bin/env node
// Relay benchmark: a trivial echo tool called directly (client → upstream, Streamable HTTP) and
// through Airlock (client → gateway → gRPC tunnel → agent → the same upstream), in one run on one
// machine. Gateway, agent and upstream each run as their own process, as deployed.
//
//   node test/bench/relay-bench.mjs [--quick] [--auth] [--recording on|off] [--store pglite|postgres]
//                                   [--latency-only] [--warmup 1000] [--log-level info]
//                                   [--operations on|off] [--out file.json]
//
// --latency-only skips the throughput phase. --warmup: sequential calls per path before timing
// starts (default 1000, ~1 s). Right after start V8 is still optimising (PGlite's WebAssembly
// too, with recording on), so a longer warm-up (8000) shows a long-running gateway.
// --recording on (default, the product default): gateway and agent spool every message and the
// gateway stores it in PGlite. off: `recording.enabled: false` for both roles. Run both and compare
// the added latency to see what recording costs a call. --store postgres: the gateway stores in a
// PostgreSQL server (a throwaway cluster from the machine's binaries) instead of embedded PGlite.
//
// --auth: the gateway verifies an OIDC bearer token (a real oidc-provider on loopback) and applies
// access rules on every call, as in production; the client sends the token on every request.
//
// --operations on: gateway and agent each serve Prometheus metrics on an operations listener
// (counting every call); off (default): no listener, no metrics. Compare both for their cost.
//
// Prints a table and writes a JSON file (default test/bench/results/relay-<time>.json).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  startPostgres,
  startServerProcess,
  startTestIdentityProvider,
  testkitBins,
} from '@airlock/testkit';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { measureLatency, measureThroughput, openSession } from './mcp-load.mjs';
import { cpuPerCall, sampleCpu } from './process-cpu.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    auth: { type: 'boolean', default: false },
    recording: { type: 'string', default: 'on' },
    operations: { type: 'string', default: 'off' },
    store: { type: 'string', default: 'pglite' },
    'latency-only': { type: 'boolean', default: false },
    warmup: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    out: { type: 'string' },
  },
});
if (args.recording !== 'on' && args.recording !== 'off') {
  console.error(`--recording must be on or off (got ${args.recording})`);
  process.exit(2);
}
if (args.store !== 'pglite' && args.store !== 'postgres') {
  console.error(`--store must be pglite or postgres (got ${args.store})`);
  process.exit(2);
}
const recordingOn = args.recording === 'on';
const postgres = recordingOn && args.store === 'postgres' ? await startPostgres() : undefined;
const recording = recordingSection(args.recording, postgres?.connectionString);
const plan = args.quick
  ? { warmup: 50, calls: 200, concurrency: 32, durationMs: 1000, warmupMs: 300 }
  : { warmup: 1000, calls: 5000, concurrency: 32, durationMs: 8000, warmupMs: 2000 };
if (args.warmup !== undefined) {
  plan.warmup = Number(args.warmup);
  if (!Number.isInteger(plan.warmup) || plan.warmup < 0) {
    console.error(`--warmup must be a whole number (got ${args.warmup})`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const processes = [];
/** Process ids by role, for CPU accounting (Linux /proc). */
const pids = {};
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

/** With --auth: an identity provider, and the gateway settings that make it the trusted issuer. */
async function startIdentity() {
  if (!args.auth) return undefined;
  const provider = await startTestIdentityProvider({ host: '127.0.0.1', port: 0 });
  const port = await freePort('127.0.0.1');
  const publicUrl = `http://127.0.0.1:${port}`;
  return {
    provider,
    port,
    publicUrl,
    gateway: {
      publicUrl,
      auth: { mode: 'oidc', issuers: [{ issuer: provider.issuer }], clockSkewSeconds: 30 },
      access: { rules: [{ groups: ['sre'], connections: ['echo'] }] },
    },
  };
}

const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

let identity;
try {
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  processes.push(upstream.process);
  pids.upstream = upstream.process.child.pid;
  identity = await startIdentity();
  const airlock = await startAirlockStack({
    dir: join(dir, 'airlock'),
    upstreamUrl: upstream.url,
    recording,
    logLevel: args['log-level'],
    env,
    identity,
    ...(args.operations === 'on'
      ? {
          gatewayExtra: { operations: { listen: { host: '127.0.0.1', port: 0 } } },
          agentExtra: { operations: { listen: { host: '127.0.0.1', port: 0 } } },
        }
      : {}),
  });
  processes.push({ kill: airlock.stop });
  Object.assign(pids, airlock.pids);

  const direct = await openSession(upstream.url);
  const through = await openSession(airlock.url, { headers: airlock.headers });
  // CPU per sequential call of each process: where the added time is spent, including work off
  // the call path (delivery pumps, the store thread) that competes for the same cores.
  const cpuBefore = sampleCpu(pids);
  const directLatency = await measureLatency(direct, plan);
  const cpuMiddle = sampleCpu(pids);
  const airlockLatency = await measureLatency(through, plan);
  const cpuAfter = sampleCpu(pids);
  const latency = { direct: directLatency, airlock: airlockLatency };
  const calls = plan.calls + plan.warmup;
  const cpu = {
    direct: cpuPerCall(cpuBefore, cpuMiddle, calls),
    airlock: cpuPerCall(cpuMiddle, cpuAfter, calls),
  };
  const skipped = { callsPerSecond: Number.NaN, failed: 0 };
  let throughput = { direct: skipped, airlock: skipped };
  if (!args['latency-only']) {
    const directThroughput = await measureThroughput(direct, plan);
    const cpuLoaded = sampleCpu(pids);
    const airlockThroughput = await measureThroughput(through, plan);
    const cpuLoadedAfter = sampleCpu(pids);
    throughput = { direct: directThroughput, airlock: airlockThroughput };
    // Under load (the 32 callers): measured over the warm-up and the timed part, which share a rate.
    const loadedCalls = airlockThroughput.callsPerSecond * ((plan.durationMs + plan.warmupMs) / 1000);
    cpu.airlockLoaded = cpuPerCall(cpuLoaded, cpuLoadedAfter, loadedCalls);
  }
  await direct.close();
  await through.close();
  // Proof that metrics were on: the calls the gateway counted.
  let countedCalls;
  if (airlock.operations.gateway) {
    const text = await (await fetch(`${airlock.operations.gateway}/metrics`)).text();
    countedCalls = text
      .split('\n')
      .filter((l) => l.startsWith('airlock_gateway_calls_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  }

  const result = {
    benchmark: 'relay-echo',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    plan,
    logLevel: args['log-level'],
    authentication: args.auth ? 'oidc bearer token + access rules' : 'none (loopback dev mode)',
    recording: recordingOn ? `on (spool fsync interval, ${postgres ? 'PostgreSQL' : 'PGlite'} store)` : 'off',
    operations: args.operations === 'on' ? { metrics: 'on', gatewayCountedCalls: countedCalls } : 'off',
    latencyMs: {
      direct: latency.direct,
      airlock: latency.airlock,
      addedP50: round(latency.airlock.p50 - latency.direct.p50),
      addedP99: round(latency.airlock.p99 - latency.direct.p99),
      ratioP50: round(latency.airlock.p50 / latency.direct.p50, 2),
    },
    cpuMicrosecondsPerCall: cpu,
    throughput: {
      direct: throughput.direct,
      airlock: throughput.airlock,
      ratio: round(throughput.airlock.callsPerSecond / throughput.direct.callsPerSecond, 2),
    },
    targets: { addedP50Ms: 0.5, addedP99Ms: 2, airlockCallsPerSecond: 3000 },
  };

  const row = (name, l, t) =>
    `| ${name.padEnd(7)} | ${l.p50.toFixed(3).padStart(8)} | ${l.p90.toFixed(3).padStart(8)} | ${l.p99.toFixed(3).padStart(8)} | ${t.callsPerSecond.toFixed(0).padStart(12)} | ${String(t.failed).padStart(6)} |`;
  console.log(
    `\nRelay benchmark: echo tool, ${plan.calls} sequential calls; ${plan.concurrency} concurrent callers for ${plan.durationMs / 1000} s (log level ${args['log-level']}, authentication ${args.auth ? 'on' : 'off'}, recording ${args.recording}${recordingOn ? `, store ${args.store}` : ''}, metrics ${args.operations})\n`,
  );
  console.log('| path    | p50 (ms) | p90 (ms) | p99 (ms) | calls/s @32 | errors |');
  console.log('|---------|----------|----------|----------|--------------|--------|');
  console.log(row('direct', latency.direct, throughput.direct));
  console.log(row('airlock', latency.airlock, throughput.airlock));
  console.log(
    `\nAirlock adds ${result.latencyMs.addedP50} ms at p50 (target ≤ 0.5), ${result.latencyMs.addedP99} ms at p99 (target ≤ 2); ` +
      (args['latency-only']
        ? 'throughput not measured (--latency-only).'
        : `throughput ${throughput.airlock.callsPerSecond.toFixed(0)} calls/s (target ≥ 3000), ${result.throughput.ratio}× direct.`),
  );
  const cpuLine = (path) =>
    Object.entries(cpu[path])
      .map(
        ([role, c]) =>
          `${role} ${c.totalUs} µs (${c.systemUs} kernel${c.backgroundUs > 0 ? `, ${c.backgroundUs} low-priority threads` : ''})`,
      )
      .join(', ');
  console.log(`CPU per sequential call: direct: ${cpuLine('direct')}`);
  console.log(`                         airlock: ${cpuLine('airlock')}`);
  if (cpu.airlockLoaded) console.log(`CPU per call @32:        airlock: ${cpuLine('airlockLoaded')}`);
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `relay-recording-${recordingOn ? args.store : 'off'}-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  if (countedCalls !== undefined) console.log(`The gateway's metrics counted ${countedCalls} calls.`);
  console.log(`\nJSON: ${out}`);
} finally {
  await Promise.all(processes.map((p) => p.kill()));
  await identity?.provider.close();
  await postgres?.stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
