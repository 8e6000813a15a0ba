#!/usr/bin/env node
// What recording costs a relayed tool call: the relay benchmark's sequential phase with recording
// off and on, alternately, `--pairs` times (fresh processes each run), and the median of the
// paired differences. On a small shared machine one pair swings by ±0.1 ms; pairing and the median
// keep that noise out of the answer.
//
//   node test/bench/recording-cost.mjs [--pairs 7] [--store pglite|postgres] [--out file.json]
//
// Prints each pair and the medians, and writes a JSON file (default
// test/bench/results/recording-cost-<time>.json). Needs `npx tsc -b`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '7' },
    store: { type: 'string', default: 'pglite' },
    out: { type: 'string' },
  },
});
const pairs = Number(args.pairs);
if (!Number.isInteger(pairs) || pairs < 1) {
  console.error(`--pairs must be a whole number of at least 1 (got ${args.pairs})`);
  process.exit(2);
}
const bench = new URL('./relay-bench.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'airlock-recording-cost-'));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (n) => Math.round(n * 1000) / 1000;

/** One relay benchmark run (sequential phase only); its JSON result. */
function run(recording, index) {
  const out = join(dir, `${recording}-${index}.json`);
  execFileSync(
    process.execPath,
    [
      bench,
      '--latency-only',
      '--recording',
      recording,
      '--store',
      args.store,
      '--log-level',
      'info',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return JSON.parse(readFileSync(out, 'utf8'));
}

try {
  const rows = [];
  for (let i = 1; i <= pairs; i += 1) {
    const off = run('off', i);
    const on = run('on', i);
    const row = {
      pair: i,
      offAddedP50: off.latencyMs.addedP50,
      onAddedP50: on.latencyMs.addedP50,
      recordingP50: round(on.latencyMs.addedP50 - off.latencyMs.addedP50),
      recordingP99: round(on.latencyMs.addedP99 - off.latencyMs.addedP99),
      cpuUsPerCall: {
        off: off.cpuMicrosecondsPerCall.airlock,
        on: on.cpuMicrosecondsPerCall.airlock,
      },
    };
    rows.push(row);
    console.log(
      `pair ${i}: Airlock adds ${row.offAddedP50} ms p50 with recording off, ${row.onAddedP50} ms on: recording adds ${row.recordingP50} ms p50, ${row.recordingP99} ms p99`,
    );
  }
  const result = {
    benchmark: 'recording-cost',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    store: args.store,
    pairs: rows,
    median: {
      recordingP50: round(median(rows.map((r) => r.recordingP50))),
      recordingP99: round(median(rows.map((r) => r.recordingP99))),
    },
    target: { recordingP50Ms: 0.2 },
  };
  console.log(
    `\nRecording adds ${result.median.recordingP50} ms p50 (median of ${pairs} pairs; target ≤ 0.2), ${result.median.recordingP99} ms p99.`,
  );
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
  rmSync(dir, { recursive: true, force: true });
}
