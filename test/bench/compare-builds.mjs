#!/usr/bin/env node
// Two builds side by side: runs relay-bench.mjs with this checkout's build and with another
// build's CLI, alternating (A B B A A B …) so that a machine slowing down or speeding up during
// the runs weighs on both alike, and prints per configuration each run's CPU per call per role,
// then the change per pair of neighbouring runs.
//
//   node test/bench/compare-builds.mjs --base <other checkout>/packages/cli/dist/main.js
//                                      [--rounds 3] [--out file.json] [-- <relay-bench options>]
//
// Everything after `--` goes to every relay-bench run (e.g. `-- --all-features --era both`).
// --rounds: runs of each build (default 3, so six relay-bench runs).
//
// On a shared machine the same code costs up to 60 % more CPU per call from one run to the next.
// The upstream's code is the same in both builds, so its CPU per call measures how fast the
// machine was during that run: the summary gives each build's gateway + agent CPU per call both
// as measured and divided by the upstream's ("per upstream µs"), and the change between the
// builds as the median over the pairs of neighbouring runs, with the lowest and highest pair.
// A change smaller than the spread of the pairs is not shown by these runs.
// Writes one JSON file with every run (default test/bench/results/compare-<time>.json).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';

const { values: args, positionals } = benchArgs(import.meta.url, {
  allowPositionals: true,
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
if (!args.base || !existsSync(args.base)) {
  process.stderr.write(
    `compare-builds.mjs: --base must name the other build's packages/cli/dist/main.js${args.base ? ` (${args.base} does not exist)` : ''}; build that checkout first (node scripts/pnpm.mjs run build)\n`,
  );
  process.exit(2);
}
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(
    `compare-builds.mjs: --rounds must be a whole number of at least 1 (got ${args.rounds})\n`,
  );
  process.exit(2);
}

const relayBench = new URL('./relay-bench.mjs', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'airlock-compare-'));

/** One relay-bench run of `build` ('this' or 'base'); resolves to its JSON result. */
function runBench(build, index) {
  const out = join(scratch, `${index}-${build}.json`);
  const env = { ...process.env };
  if (build === 'base') env.BENCH_AIRLOCK_CLI = args.base;
  else delete env.BENCH_AIRLOCK_CLI;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [relayBench, ...positionals, '--out', out],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`relay-bench (${build} build, run ${index + 1}) failed: ${error.message}\n${stderr}`),
          );
          return;
        }
        resolve(JSON.parse(readFileSync(out, 'utf8')));
      },
    );
  });
}

/** A B B A A B …: each build goes first in every other pair. */
const order = [];
for (let round = 0; round < rounds; round++) {
  order.push(...(round % 2 === 0 ? ['this', 'base'] : ['base', 'this']));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const pct = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

/**
 * The figures compared, from one configuration of one run: CPU of the throughput phase (32
 * callers), or of the sequential calls when the runs had none (`--latency-only`).
 */
function figures(configuration) {
  const cpu = configuration.cpuMicrosecondsPerCall.airlock;
  const loaded = cpu.loaded ?? cpu.sequential;
  const gatewayAgent = loaded.gateway.totalUs + loaded.agent.totalUs;
  return {
    gateway: loaded.gateway.totalUs,
    store: loaded.gateway.backgroundUs,
    agent: loaded.agent.totalUs,
    gatewayAgent,
    upstream: loaded.upstream.totalUs,
    perUpstream: gatewayAgent / loaded.upstream.totalUs,
    callsPerSecond: configuration.throughput?.airlock?.callsPerSecond ?? Number.NaN,
    ratio: configuration.throughput?.ratio ?? Number.NaN,
    addedP50: configuration.latencyMs.addedP50,
    addedP99: configuration.latencyMs.addedP99,
  };
}

const runs = [];
try {
  for (const [index, build] of order.entries()) {
    process.stderr.write(`run ${index + 1} of ${order.length}: ${build} build\n`);
    const result = await runBench(build, index);
    runs.push({ build, load: result.loadAverage, configurations: result.configurations });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const names = runs[0].configurations.map((c) => c.name);
const summary = {};
console.log(
  `\nCompare builds: this checkout against ${args.base}, ${rounds} run(s) each, alternating; relay-bench ${positionals.join(' ') || '(defaults)'}` +
    `\n${cpus().length} CPUs (${cpus()[0]?.model}), Node.js ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end; CPU in µs per call @32 (sequential with --latency-only); added latency in ms`,
);
for (const name of names) {
  console.log(`\n${name}`);
  console.log(
    '| run | build | load (1 min) | calls/s | × direct | gateway (store) + agent | upstream | per upstream | added p50 / p99 |',
  );
  console.log(
    '|-----|-------|--------------|---------|----------|-------------------------|----------|--------------|-----------------|',
  );
  const rows = runs.map((run, i) => {
    const f = figures(run.configurations.find((c) => c.name === name));
    console.log(
      `| ${i + 1} | ${run.build} | ${run.load.atStart[0].toFixed(1)}–${run.load.atEnd[0].toFixed(1)} | ${Number.isNaN(f.callsPerSecond) ? '–' : Math.round(f.callsPerSecond)} | ${Number.isNaN(f.ratio) ? '–' : f.ratio} | ${f.gateway} (${f.store}) + ${f.agent} = ${f.gatewayAgent} | ${f.upstream} | ${f.perUpstream.toFixed(2)} | ${f.addedP50.toFixed(2)} / ${f.addedP99.toFixed(2)} |`,
    );
    return { build: run.build, ...f };
  });
  // Neighbouring runs of the two builds, in order: (1,2), (3,4), …
  const pairs = [];
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const [a, b] = rows[i].build === 'this' ? [rows[i], rows[i + 1]] : [rows[i + 1], rows[i]];
    pairs.push({
      gatewayAgent: a.gatewayAgent / b.gatewayAgent,
      perUpstream: a.perUpstream / b.perUpstream,
      callsPerSecond: a.callsPerSecond / b.callsPerSecond,
      addedP50: a.addedP50 / b.addedP50,
      addedP99: a.addedP99 / b.addedP99,
    });
  }
  const of = (build, key) => median(rows.filter((r) => r.build === build).map((r) => r[key]));
  const change = (key) => {
    const ratios = pairs.map((p) => p[key]);
    return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
  };
  summary[name] = {
    this: { gatewayAgent: of('this', 'gatewayAgent'), perUpstream: of('this', 'perUpstream') },
    base: { gatewayAgent: of('base', 'gatewayAgent'), perUpstream: of('base', 'perUpstream') },
    change: {
      gatewayAgent: change('gatewayAgent'),
      perUpstream: change('perUpstream'),
      callsPerSecond: change('callsPerSecond'),
      addedP50: change('addedP50'),
      addedP99: change('addedP99'),
    },
  };
  const s = summary[name];
  const line = (label, key, digits) =>
    `${label}: this ${s.this[key].toFixed(digits)}, base ${s.base[key].toFixed(digits)} (medians); change per pair ${pct(s.change[key].median)} (${pct(s.change[key].low)} to ${pct(s.change[key].high)})`;
  console.log(line('gateway + agent µs per call', 'gatewayAgent', 0));
  console.log(line('per upstream µs', 'perUpstream', 2));
  const changeLine = (label, key) =>
    `${label}: change per pair ${pct(s.change[key].median)} (${pct(s.change[key].low)} to ${pct(s.change[key].high)})`;
  if (!rows.some((r) => Number.isNaN(r.callsPerSecond)))
    console.log(changeLine('calls/s @32', 'callsPerSecond'));
  console.log(changeLine('added p50', 'addedP50'));
  console.log(changeLine('added p99', 'addedP99'));
}

const resultsDir = new URL('./results/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
const out = args.out ?? join(resultsDir, `compare-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ benchmark: 'compare-builds', at: new Date().toISOString(), base: args.base, rounds, relayBenchArgs: positionals, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, runs, summary }, null, 2)}\n`,
);
console.log(`\nJSON: ${out}`);
