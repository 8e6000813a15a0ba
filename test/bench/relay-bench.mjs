#!/usr/bin/env node
// Relay benchmark: a trivial echo tool called directly (client → upstream, Streamable HTTP) and
// through Airlock (client → gateway → gRPC tunnel → agent → the same upstream), in one run on one
// machine. Gateway, agent and upstream each run as their own process, as deployed.
//
//   node test/bench/relay-bench.mjs [--quick] [--all-features] [--era legacy|modern|both]
//                                   [--upstream sdk|raw|both] [--auth] [--recording on|off]
//                                   [--store pglite|postgres] [--latency-only] [--warmup 1000]
//                                   [--log-level info] [--operations on|off] [--floor]
//                                   [--out file.json]
//
// Configurations: every (era, upstream) pair asked for, each measured direct and through Airlock
// in the same run, one after the other, against one gateway and agent:
// - --era legacy (default): a 2025-11-25 session (initialize, Mcp-Session-Id), called with lean
//   raw POSTs over keep-alive connections. modern: the v2 SDK client pinned to 2026-07-28 (every
//   call a stateless POST with `_meta` and the standard headers) against the test kit's modern
//   server (the agent's connection serves only that era). both: the two.
// - --upstream sdk (default): the kitchen sink (v1 SDK, stateful Streamable HTTP) or, modern, the
//   modern server (v2 SDK). raw: the test kit's raw node:http JSON echo, the fastest honest server
//   (2025 era only): against it the ratio shows what Airlock itself costs. both: the two.
//
// --latency-only skips the throughput phase. --warmup: sequential calls per path before timing
// starts (default 1000, ~1 s). Right after start V8 is still optimising (PGlite's WebAssembly
// too, with recording on), so a longer warm-up (8000) shows a long-running gateway.
// --recording on (default, the product default): gateway and agent spool every message and the
// gateway stores it in PGlite. off: `recording.enabled: false` for both roles. --store postgres:
// the gateway stores in a PostgreSQL server (a throwaway cluster from the machine's binaries).
//
// --auth: the gateway verifies an OIDC bearer token (a real oidc-provider on loopback) and applies
// access rules on every call, as in production; the client sends the token on every request.
//
// --all-features: everything a production gateway runs with: --auth, recording on, masking with
// the default detectors and 20 guardrail rules that evaluate on every call (all-features.mjs).
//
// --floor: a third path, the floor relay (floor-relay.mjs): two processes in the gateway's and the
// agent's places that pass each request over one gRPC stream and on to the same upstream, and do
// nothing else. What Airlock costs above it is its own work; what it costs above direct, the hops'.
//
// --operations on: gateway and agent each serve Prometheus metrics on an operations listener
// (counting every call); off (default): no listener, no metrics. Compare both for their cost.
//
// BENCH_ROLE_NODE_FLAGS="<flags>": Node.js flags for the two roles only (airlock-stack.mjs).
// BENCH_CPU_PROF=<dir>: V8 CPU profiles of the gateway and the agent (airlock-stack.mjs);
// summarise one with `node test/bench/cpu-profile-summary.mjs <file.cpuprofile>`.
//
// Prints, per configuration, direct and Airlock side by side (p50/p90/p99, calls/s @32, the
// ratio, CPU per call per process, each phase read from quiet to quiet so that what it leaves the
// store to do counts towards it; that part also on its own, `afterCalls`) and writes one JSON file (default
// test/bench/results/relay-<features>-<time>.json).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import {
  freePort,
  startPostgres,
  startServerProcess,
  startTestIdentityProvider,
  testkitBins,
} from '@airlock/testkit';
import { allFeaturesGateway } from './all-features.mjs';
import { startFloorRelay } from './floor-relay.mjs';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { measureLatency, measureThroughput, openModernSession, openSession } from './mcp-load.mjs';
import { cpuPerCall, sampleCpu, settledCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    quick: { type: 'boolean', default: false },
    'all-features': { type: 'boolean', default: false },
    era: { type: 'string', default: 'legacy' },
    upstream: { type: 'string', default: 'sdk' },
    auth: { type: 'boolean', default: false },
    recording: { type: 'string', default: 'on' },
    operations: { type: 'string', default: 'off' },
    store: { type: 'string', default: 'pglite' },
    'latency-only': { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    warmup: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    out: { type: 'string' },
  },
});
function usage(message) {
  console.error(message);
  process.exit(2);
}
const oneOf = (flag, allowed) => {
  if (!allowed.includes(args[flag])) usage(`--${flag} must be ${allowed.join(' or ')} (got ${args[flag]})`);
};
oneOf('recording', ['on', 'off']);
oneOf('store', ['pglite', 'postgres']);
oneOf('era', ['legacy', 'modern', 'both']);
oneOf('upstream', ['sdk', 'raw', 'both']);
const allFeatures = args['all-features'];
if (allFeatures && args.recording === 'off') usage('--all-features records every call: drop --recording off');
const auth = args.auth || allFeatures;
const recordingOn = args.recording === 'on';

/** The configurations to run: (era, upstream) pairs; a raw upstream speaks only the 2025 era. */
const eras = args.era === 'both' ? ['legacy', 'modern'] : [args.era];
const upstreams = args.upstream === 'both' ? ['sdk', 'raw'] : [args.upstream];
const configurations = eras.flatMap((era) =>
  upstreams.filter((u) => !(era === 'modern' && u === 'raw')).map((upstream) => ({ era, upstream })),
);
if (configurations.length === 0) usage('--upstream raw serves only the 2025 era: add --era legacy or both');
const skippedPairs = eras.length * upstreams.length - configurations.length;

/** Each configuration's upstream bin and the agent's connection to it. */
const CONNECTION = {
  'legacy/sdk': { name: 'echo', bin: testkitBins.kitchenSinkHttp, args: [] },
  'legacy/raw': { name: 'echo-raw', bin: testkitBins.rawEchoHttp, args: [] },
  'modern/sdk': {
    name: 'echo-modern',
    bin: testkitBins.modernHttp,
    args: ['--legacy', 'reject'],
    connection: { eras: ['modern'] },
  },
};

const plan = args.quick
  ? { warmup: 50, calls: 200, concurrency: 32, durationMs: 1000, warmupMs: 300 }
  : { warmup: 1000, calls: 5000, concurrency: 32, durationMs: 8000, warmupMs: 2000 };
if (args.warmup !== undefined) {
  plan.warmup = Number(args.warmup);
  if (!Number.isInteger(plan.warmup) || plan.warmup < 0)
    usage(`--warmup must be a whole number (got ${args.warmup})`);
}

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
const processes = [];
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const loadAverage = () => loadavg().map((l) => round(l, 2));

/** With auth: an identity provider, and the gateway settings that make it the trusted issuer. */
async function startIdentity(connectionNames) {
  if (!auth) return undefined;
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
      access: { rules: [{ groups: ['sre'], connections: connectionNames }] },
    },
  };
}

/**
 * Direct, through the floor relay (with --floor) and through Airlock, one after the other:
 * latency, throughput and CPU per call.
 */
async function measureConfiguration({ era, upstream }, upstreamProcess, airlock, pids, floor) {
  const key = `${era}/${upstream}`;
  const name = CONNECTION[key].name;
  const open = era === 'modern' ? openModernSession : (url, o) => openSession(url, o);
  const sessions = [['direct', await open(upstreamProcess.url)]];
  if (floor) sessions.push(['floor', await open(floor.urlFor(name))]);
  sessions.push(['airlock', await open(airlock.urlFor(name), { headers: await airlock.headersFor(name) })]);
  // CPU of every process on the path: the upstream serves every path, the gateway and the agent
  // only the Airlock one, the floor's front and back only the floor's. Work off the call path
  // (delivery pumps, the store thread) is included: it competes for the same cores. Each phase is
  // measured from quiet to quiet (settledCpu): what it leaves behind (the store catching up on a
  // backlog, the agent's last batches) counts towards it, not towards the next path or phase.
  const rolePids = {
    gateway: pids.gateway,
    agent: pids.agent,
    upstream: upstreamProcess.process.child.pid,
    ...floor?.pids,
  };
  const sequentialCalls = plan.calls + plan.warmup;
  const cpu = Object.fromEntries(sessions.map(([path]) => [path, {}]));
  /** Per path and phase: CPU per call spent after the calls ended, and how long until quiet. */
  const afterCalls = Object.fromEntries(sessions.map(([path]) => [path, {}]));
  const measureCpu = async (path, phase, run, callsOf) => {
    const before = (await settledCpu(rolePids)).sample;
    const outcome = await run();
    const ended = sampleCpu(rolePids);
    const settled = await settledCpu(rolePids);
    const calls = callsOf(outcome);
    cpu[path][phase] = cpuPerCall(before, settled.sample, calls);
    afterCalls[path][phase] = {
      settleMs: settled.settleMs,
      settled: settled.settled,
      cpuMicrosecondsPerCall: cpuPerCall(ended, settled.sample, calls),
    };
    return outcome;
  };
  const latency = {};
  for (const [path, session] of sessions) {
    latency[path] = await measureCpu(
      path,
      'sequential',
      () => measureLatency(session, plan),
      () => sequentialCalls,
    );
  }
  const skipped = { callsPerSecond: Number.NaN, failed: 0 };
  const throughput = Object.fromEntries(sessions.map(([path]) => [path, skipped]));
  if (!args['latency-only']) {
    for (const [path, session] of sessions) {
      throughput[path] = await measureCpu(
        path,
        'loaded',
        () => measureThroughput(session, plan),
        // Over the warm-up and the timed part, which share a rate.
        (t) => t.callsPerSecond * ((plan.durationMs + plan.warmupMs) / 1000),
      );
    }
  }
  for (const [, session] of sessions) await session.close();
  const added = (path, p) => round(latency[path][p] - latency.direct[p]);
  return {
    name: key,
    era: era === 'modern' ? 'modern (2026-07-28, v2 SDK client)' : 'legacy (2025-11-25 session, raw POSTs)',
    upstream:
      upstream === 'raw'
        ? 'raw node:http JSON echo'
        : era === 'modern'
          ? 'modern server (v2 SDK)'
          : 'kitchen sink (v1 SDK)',
    latencyMs: {
      ...latency,
      addedP50: added('airlock', 'p50'),
      addedP90: added('airlock', 'p90'),
      addedP99: added('airlock', 'p99'),
      ...(floor ? { floorAddedP50: added('floor', 'p50'), floorAddedP99: added('floor', 'p99') } : {}),
    },
    throughput: {
      ...throughput,
      ratio: round(throughput.airlock.callsPerSecond / throughput.direct.callsPerSecond, 2),
      ...(floor
        ? { floorRatio: round(throughput.floor.callsPerSecond / throughput.direct.callsPerSecond, 2) }
        : {}),
    },
    cpuMicrosecondsPerCall: cpu,
    // Included in cpuMicrosecondsPerCall: what each process spent after the calls ended.
    afterCalls,
  };
}

const ms = (n) => n.toFixed(3).padStart(7);
const cpuCell = (c, role) => (c?.[role] ? String(c[role].totalUs) : '–');
/** The two processes each relayed path adds: shown in the "gateway + agent" column and summed. */
const RELAY_PROCESSES = { airlock: ['gateway', 'agent'], floor: ['front', 'back'] };
const relayCpuSum = (c, path) =>
  RELAY_PROCESSES[path].reduce((sum, role) => sum + (c?.[role]?.totalUs ?? 0), 0);
function printConfiguration(r) {
  const cpu = r.cpuMicrosecondsPerCall;
  const phase = args['latency-only'] ? 'sequential' : 'loaded';
  const row = (path) => {
    const l = r.latencyMs[path];
    const t = r.throughput[path];
    const c = cpu[path][phase];
    const gatewayAgent = RELAY_PROCESSES[path]?.map((role) => cpuCell(c, role)).join(' + ') ?? '–';
    return `| ${path.padEnd(7)} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${t.callsPerSecond.toFixed(0).padStart(8)} | ${String(t.failed).padStart(6)} | ${gatewayAgent.padStart(15)} | ${cpuCell(c, 'upstream').padStart(8)} | ${cpuCell(c, 'loadGenerator').padStart(6)} |`;
  };
  console.log(`\n${r.name}: ${r.era} → ${r.upstream}`);
  console.log(
    `| path    |     p50 |     p90 |     p99 | calls/s  | errors | gateway + agent | upstream | client |`,
  );
  console.log(
    `|---------|---------|---------|---------|----------|--------|-----------------|----------|--------|`,
  );
  console.log(row('direct'));
  if (r.latencyMs.floor) console.log(row('floor'));
  console.log(row('airlock'));
  const store = cpu.airlock[phase]?.gateway?.backgroundUs;
  const sum = relayCpuSum(cpu.airlock[phase], 'airlock');
  console.log(
    `added p50 ${r.latencyMs.addedP50} ms, p99 ${r.latencyMs.addedP99} ms; ` +
      (args['latency-only']
        ? 'throughput not measured (--latency-only); '
        : `throughput ${r.throughput.ratio}× direct; `) +
      `gateway + agent ${sum} µs per call ${phase === 'loaded' ? '@32' : 'sequential'}` +
      (store ? ` (${store} of it the gateway's low-priority store thread)` : ''),
  );
  console.log(`by thread, µs per call: ${threadSplit(cpu.airlock[phase])}`);
  const left = r.afterCalls.airlock[phase];
  if (left) {
    const c = left.cpuMicrosecondsPerCall;
    console.log(
      `of which after the calls ended (the store catching up; counted above): gateway ${c.gateway?.totalUs ?? '–'} µs per call` +
        (c.gateway?.backgroundUs ? ` (store thread ${c.gateway.backgroundUs})` : '') +
        `, agent ${c.agent?.totalUs ?? '–'}; quiet ${left.settled ? 'after' : 'not reached in'} ${left.settleMs} ms`,
    );
  }
  if (r.latencyMs.floor) {
    const floorSum = relayCpuSum(cpu.floor[phase], 'floor');
    console.log(
      `floor (front + back, the hops alone): added p50 ${r.latencyMs.floorAddedP50} ms, p99 ${r.latencyMs.floorAddedP99} ms; ` +
        (args['latency-only'] ? '' : `throughput ${r.throughput.floorRatio}× direct; `) +
        `${floorSum} µs per call; Airlock's gateway + agent ${round(sum / floorSum, 2)}× the floor's`,
    );
  }
}

/** Each role's CPU per call by thread: main, store (the gateway's), other threads (V8's helpers, libuv's pool). */
function threadSplit(c) {
  const role = (name) => {
    const r = c?.[name];
    if (!r) return `${name} –`;
    const store = r.backgroundUs > 0 ? `, store thread ${r.backgroundUs}` : '';
    return `${name} main ${r.mainUs}${store}, other threads ${r.otherUs}`;
  };
  return `${role('gateway')}; ${role('agent')} (other threads: V8's helpers for the collector and the compiler, libuv's pool)`;
}

let identity;
try {
  const running = {};
  for (const { era, upstream } of configurations) {
    const c = CONNECTION[`${era}/${upstream}`];
    const server = await startServerProcess(c.bin, ['--port', '0', ...c.args], { env });
    processes.push(server.process);
    running[`${era}/${upstream}`] = server;
  }
  const connections = Object.fromEntries(
    Object.entries(running).map(([key, server]) => [
      CONNECTION[key].name,
      { transport: 'http', url: server.url, ...CONNECTION[key].connection },
    ]),
  );
  // The stack's readiness check opens a 2025-era session on the first connection.
  const ordered = Object.fromEntries(
    Object.entries(connections).sort(([a], [b]) => (a === 'echo-modern') - (b === 'echo-modern')),
  );
  identity = await startIdentity(Object.keys(ordered));
  const postgres = recordingOn && args.store === 'postgres' ? await startPostgres() : undefined;
  if (postgres) processes.push({ kill: () => postgres.stop() });
  const recording = recordingSection(args.recording, postgres?.connectionString);
  const firstLegacy = Object.keys(ordered)[0] !== 'echo-modern';
  const airlock = await startAirlockStack({
    dir: join(dir, 'airlock'),
    recording,
    logLevel: args['log-level'],
    env,
    identity,
    connections: ordered,
    ...(firstLegacy ? {} : { readiness: 'modern' }),
    gatewayExtra: {
      ...(allFeatures ? allFeaturesGateway() : {}),
      ...(args.operations === 'on' ? { operations: { listen: { host: '127.0.0.1', port: 0 } } } : {}),
    },
    ...(args.operations === 'on'
      ? { agentExtra: { operations: { listen: { host: '127.0.0.1', port: 0 } } } }
      : {}),
  });
  processes.push({ kill: airlock.stop });

  const floor = args.floor
    ? await startFloorRelay({
        dir,
        upstreams: Object.fromEntries(Object.entries(connections).map(([name, c]) => [name, c.url])),
      })
    : undefined;
  if (floor) processes.push({ kill: floor.stop });

  const loadAtStart = loadAverage();
  const results = [];
  for (const configuration of configurations) {
    results.push(
      await measureConfiguration(
        configuration,
        running[`${configuration.era}/${configuration.upstream}`],
        airlock,
        airlock.pids,
        floor,
      ),
    );
  }
  const loadAtEnd = loadAverage();

  // Proof that metrics were on: the calls the gateway counted.
  let countedCalls;
  if (airlock.operations.gateway) {
    const text = await (await fetch(`${airlock.operations.gateway}/metrics`)).text();
    countedCalls = text
      .split('\n')
      .filter((l) => l.startsWith('airlock_gateway_calls_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  }

  const features = {
    authentication: auth ? 'oidc bearer token + access rules' : 'none (loopback dev mode)',
    recording: recordingOn ? `on (spool fsync interval, ${postgres ? 'PostgreSQL' : 'PGlite'} store)` : 'off',
    masking: allFeatures
      ? 'default detectors (secrets + pii), set explicitly'
      : 'product default (default detectors)',
    guardrails: allFeatures ? '20 rules (all-features.mjs), none denies the echo call' : 'none',
    operations: args.operations === 'on' ? { metrics: 'on', gatewayCountedCalls: countedCalls } : 'off',
  };
  const result = {
    benchmark: 'relay-echo',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
    plan,
    logLevel: args['log-level'],
    allFeatures,
    features,
    ...(floor
      ? {
          floor:
            'floor-relay.mjs: node:http front, one TLS gRPC stream to a back, undici to the upstream; bodies as bytes, nothing else',
        }
      : {}),
    configurations: results,
    targets: {
      addedP50Ms: 0.6,
      addedP99Ms: 3,
      ratioSdk: 0.5,
      ratioRaw: 0.3,
      gatewayPlusAgentCpuUsPerCallAt32: 450,
    },
  };

  console.log(
    `\nRelay benchmark: echo tool, ${plan.calls} sequential calls after ${plan.warmup} warm-up; ${plan.concurrency} concurrent callers for ${plan.durationMs / 1000} s` +
      `\nfeatures: ${allFeatures ? 'ALL (' : ''}authentication ${auth ? 'on' : 'off'}, recording ${args.recording}${recordingOn ? ` (${args.store})` : ''}, masking ${allFeatures ? 'default detectors' : 'default'}, guardrails ${allFeatures ? '20 rules' : 'none'}${allFeatures ? ')' : ''}, metrics ${args.operations}, log level ${args['log-level']}` +
      `\nload average ${loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end; ${cpus().length} CPUs` +
      `\nlatency in ms (sequential); CPU in µs per call per process ${args['latency-only'] ? '(sequential)' : '@32'}; "client" is this load generator`,
  );
  for (const r of results) printConfiguration(r);
  if (skippedPairs > 0) console.log('\n(modern × raw skipped: the raw echo speaks only the 2025 era.)');
  if (countedCalls !== undefined) console.log(`The gateway's metrics counted ${countedCalls} calls.`);
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `relay-${allFeatures ? 'all-features' : `recording-${recordingOn ? args.store : 'off'}`}-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
} finally {
  await Promise.all(processes.reverse().map((p) => p.kill()));
  await identity?.provider.close();
  if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
