#!/usr/bin/env node
// The gateway's resident size with recording to the embedded store (PGlite, the default): right
// after start on a fresh data directory (the store's first start runs initdb), idle a few seconds
// later, after a load of 32 concurrent callers, and again idle after the store caught up. The
// agent's figures come along (its memory is not this benchmark's subject). Resident size is
// VmRSS from /proc (Linux). Also prints the gateway's CPU per call during the load, with the
// store thread's share (the threads running at a lowered priority). Then the gateway and agent
// are stopped and started again on the same data directory (the store exists: no initdb), as a
// gateway restarts in production, and their resident size is taken again.
//
//   node test/bench/gateway-footprint.mjs [--load-seconds 20] [--out file.json]
//
// Prints a table and writes a JSON file (default test/bench/results/gateway-footprint-<time>.json).
// Needs `npx tsc -b`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { startServerProcess, testkitBins } from '@airlock/testkit';
import { startAirlockStack } from './airlock-stack.mjs';
import { measureThroughput, openSession } from './mcp-load.mjs';
import { cpuPerCall, sampleCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    'load-seconds': { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const loadSeconds = Number(args['load-seconds']);
if (!Number.isFinite(loadSeconds) || loadSeconds <= 0) {
  console.error(`--load-seconds must be a positive number (got ${args['load-seconds']})`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'airlock-footprint-'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const stops = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident size of a process in MB, from /proc/<pid>/status. */
function residentMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

try {
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  stops.push(async () => upstream.process.kill());
  const startStack = () =>
    startAirlockStack({
      dir: join(dir, 'airlock'),
      upstreamUrl: upstream.url,
      recording: {},
      logLevel: 'warn',
      env,
    });
  const airlock = await startStack();
  stops.push(airlock.stop);
  const { gateway, agent } = airlock.pids;
  const snapshot = (label) => ({ label, gatewayMb: residentMb(gateway), agentMb: residentMb(agent) });
  const rows = [snapshot('after start (fresh data directory)')];
  await sleep(5_000);
  rows.push(snapshot('idle 5 s after start'));
  const session = await openSession(airlock.url, { headers: airlock.headers });
  const before = sampleCpu({ gateway, agent });
  const load = await measureThroughput(session, {
    concurrency: 32,
    durationMs: loadSeconds * 1000,
    warmupMs: 0,
  });
  rows.push(snapshot(`right after ${loadSeconds} s at 32 callers`));
  // The store may still be catching up: wait for it, then idle. CPU is sampled after that, so the
  // store's catch-up counts towards the calls that caused it.
  await sleep(10_000);
  const after = sampleCpu({ gateway, agent });
  rows.push(snapshot('idle 10 s after the load'));
  const cpu = cpuPerCall(before, after, load.completed);
  await session.close?.();
  await airlock.stop();
  const restarted = await startStack();
  stops.push(restarted.stop);
  const again = (label) => ({
    label,
    gatewayMb: residentMb(restarted.pids.gateway),
    agentMb: residentMb(restarted.pids.agent),
  });
  rows.push(again('after a restart (existing directory)'));
  await sleep(5_000);
  rows.push(again('idle 5 s after the restart'));

  const result = {
    benchmark: 'gateway-footprint',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
    load: { callsPerSecond: Math.round(load.callsPerSecond), completed: load.completed, failed: load.failed },
    cpuPerCall: cpu,
    rows,
  };
  console.log(
    `\nGateway footprint, recording to PGlite (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n`,
  );
  console.log('| moment                                 | gateway RSS MB | agent RSS MB |');
  console.log('|----------------------------------------|----------------|--------------|');
  for (const r of rows)
    console.log(
      `| ${r.label.padEnd(38)} | ${String(r.gatewayMb).padStart(14)} | ${String(r.agentMb).padStart(12)} |`,
    );
  console.log(
    `\nLoad: ${result.load.callsPerSecond} calls/s at 32 callers (${load.failed} failed). CPU per call: ${JSON.stringify(cpu)}`,
  );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `gateway-footprint-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`JSON: ${out}`);
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
