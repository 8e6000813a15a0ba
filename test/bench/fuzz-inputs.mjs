#!/usr/bin/env node
// The long fuzz run: the properties of test/fuzz/hostile-inputs.mjs (gateway body parser and
// header checks, the agent's SSE, HTTP-answer and stdio readers) over 1,000,000 inputs, shared
// out by weight. Prints per property the inputs run, the time, and any failure with its seed and
// counterexample; exits 1 on a failure. CI runs the same properties with a few thousand inputs.
//
//   node test/bench/fuzz-inputs.mjs [--inputs 1000000] [--seed N] [--out file.json]
//
// Needs `node scripts/pnpm.mjs run build`.
import { writeFileSync } from 'node:fs';
import { benchArgs } from './bench-args.mjs';
import fc from 'fast-check';
import { hostileInputProperties } from '../fuzz/hostile-inputs.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    inputs: { type: 'string', default: '1000000' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});
const total = Number(args.inputs);
if (!Number.isInteger(total) || total <= 0) {
  console.error(`--inputs must be a positive whole number (got ${args.inputs})`);
  process.exit(2);
}
const seed = args.seed === undefined ? Date.now() ^ (Math.random() * 0x100000000) : Number(args.seed);
const weights = hostileInputProperties.reduce((sum, p) => sum + p.weight, 0);

// A reader that throws from an event handler crashes the process it runs in (the agent): report it
// as the failure it is rather than die with a bare stack.
process.on('uncaughtException', (error) => {
  console.error(`FAILED: uncaught exception (a reader threw outside its promise): ${error?.stack ?? error}`);
  process.exit(1);
});

const rows = [];
let failures = 0;
let ran = 0;
const started = performance.now();
hostileInputProperties.forEach(({ name, property, weight }, index) => {
  rows.push({
    name,
    property,
    numRuns: index === hostileInputProperties.length - 1 ? 0 : Math.round((total * weight) / weights),
  });
});
rows[rows.length - 1].numRuns = total - rows.slice(0, -1).reduce((sum, r) => sum + r.numRuns, 0);

const table = [];
for (const { name, property, numRuns } of rows) {
  const t0 = performance.now();
  // endOnFailure: report the first counterexample as found, without minutes of shrinking.
  const details = await fc.check(property, { numRuns, seed, endOnFailure: true });
  const seconds = (performance.now() - t0) / 1000;
  ran += details.numRuns;
  const row = {
    property: name,
    inputs: details.numRuns,
    seconds: Number(seconds.toFixed(1)),
    failed: details.failed,
  };
  table.push(row);
  if (details.failed) {
    failures++;
    console.error(`FAILED ${name} (seed ${details.seed}, path ${details.counterexamplePath}):`);
    console.error(`  counterexample: ${fc.stringify(details.counterexample).slice(0, 2000)}`);
    console.error(`  ${String(details.errorInstance?.message ?? details.errorInstance).slice(0, 2000)}`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.table(table);
console.log(
  `${ran} inputs in ${seconds.toFixed(1)} s (seed ${seed}), ${failures} propert${failures === 1 ? 'y' : 'ies'} failed`,
);
if (args.out) {
  writeFileSync(
    args.out,
    `${JSON.stringify({ seed, inputs: ran, seconds, failures, table, node: process.version }, null, 2)}\n`,
  );
}
process.exit(failures === 0 ? 0 : 1);
