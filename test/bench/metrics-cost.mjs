#!/usr/bin/env node
// What the metrics cost a call, measured in this process without the noise of a whole relay: the
// work the gateway and the agent do per call when metrics are on (one CallMetrics.finished: a
// counter increment and a histogram observation on cached series), against the same loop without
// it. Reports CPU nanoseconds per call and heap bytes per call.
//
//   node --expose-gc test/bench/metrics-cost.mjs [--calls 2000000]
//
// Prints a table and writes a JSON file (default test/bench/results/metrics-cost-<time>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { AgentMetrics, GatewayMetrics } from '@airlock/operations';

const { values: args } = benchArgs(import.meta.url, {
  options: { calls: { type: 'string', default: '2000000' }, out: { type: 'string' } },
});
const calls = Number(args.calls);
const connections = ['db', 'files', 'tickets'];
const methods = ['tools/call', 'tools/list', 'resources/read', 'initialize'];

function measure(label, perCall) {
  // Warm up: V8 optimises the loop, the labelled series are created.
  for (let i = 0; i < 100_000; i++) perCall(i);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < calls; i++) perCall(i);
  const cpu = process.cpuUsage(cpuBefore);
  const heapAfter = process.memoryUsage().heapUsed;
  const ns = ((cpu.user + cpu.system) * 1000) / calls;
  return {
    label,
    cpuNsPerCall: Math.round(ns * 10) / 10,
    heapBytesPerCall: Math.round(((heapAfter - heapBefore) / calls) * 100) / 100,
  };
}

let sink = 0;
const baseline = measure('no metrics (loop only)', (i) => {
  sink += connections[i % 3].length + methods[i % 4].length + (i % 7) / 1000;
});
const gateway = new GatewayMetrics();
const gatewayCost = measure('gateway: calls.finished', (i) => {
  gateway.calls.finished(connections[i % 3], methods[i % 4], i % 10 === 0 ? 'error' : 'ok', (i % 7) / 1000);
});
const agent = new AgentMetrics();
const agentCost = measure('agent: calls.finished', (i) => {
  agent.calls.finished(connections[i % 3], methods[i % 4], 'ok', (i % 7) / 1000);
});
const scrapeStart = process.hrtime.bigint();
const text = await gateway.registry.metrics();
const scrapeMs = Number(process.hrtime.bigint() - scrapeStart) / 1e6;

const rows = [baseline, gatewayCost, agentCost];
console.log(`\nMetrics cost per call (${calls} calls, ${cpus()[0]?.model}, node ${process.version})\n`);
console.log('| what                        | CPU ns/call | heap bytes/call |');
console.log('|-----------------------------|-------------|-----------------|');
for (const r of rows)
  console.log(
    `| ${r.label.padEnd(27)} | ${String(r.cpuNsPerCall).padStart(11)} | ${String(r.heapBytesPerCall).padStart(15)} |`,
  );
console.log(
  `\nOne scrape of the gateway registry: ${scrapeMs.toFixed(1)} ms, ${text.length} bytes. (sink ${sink > 0})`,
);
const out =
  args.out ??
  join(
    new URL('.', import.meta.url).pathname,
    'results',
    `metrics-cost-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ benchmark: 'metrics-cost', calls, rows, scrapeMs, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version } }, null, 2)}\n`,
);
console.log(`JSON: ${out}`);
