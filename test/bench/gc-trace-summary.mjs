#!/usr/bin/env node
// Sums up V8's garbage-collection trace of a process, per isolate (the main thread and each worker,
// e.g. the gateway's store thread): how many young-generation collections (scavenges) and full
// collections (mark-compacts) it ran, their pauses on the isolate's own thread, the work V8's
// helper threads did for them, and what the scavenges promoted to the old generation.
//
// The trace comes from a role started with `--trace-gc-nvp` and its stdout kept:
//
//   BENCH_ROLE_NODE_FLAGS=--trace-gc-nvp BENCH_STDOUT=1 BENCH_KEEP=1 \
//     node test/bench/relay-bench.mjs --auth --latency-only        # prints "kept <dir>"
//   node test/bench/gc-trace-summary.mjs <dir>/airlock/gateway.stdout [<dir>/airlock/agent.stdout]
//
// Helper time is the sum of the trace's `background.*` phases: wall time of those tasks, which on
// a busy machine includes time they waited for a core.
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: gc-trace-summary.mjs <role stdout with --trace-gc-nvp output>…');
  process.exit(2);
}

/** One `--trace-gc-nvp` line: `[pid:isolate]  <ms> ms: pause=… gc=s|mc|… promoted=…`. */
const LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+(\d+) ms: (.*\bgc=\w+.*)$/;

/** The line's `name=value` pairs with a numeric value, and `gc` (the collection's kind). */
function fields(text) {
  const out = {};
  for (const pair of text.split(' ')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    out[name] = name === 'gc' ? value : Number(value);
  }
  return out;
}

function emptyIsolate() {
  return { first: Infinity, last: 0, young: newKind(), full: newKind(), promoted: 0 };
}

function newKind() {
  return { count: 0, pauseMs: 0, longestMs: 0, helperMs: 0 };
}

for (const file of files) {
  const isolates = new Map();
  let lines = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    lines += 1;
    const [, , isolate, atMs, rest] = match;
    const gc = fields(rest);
    const entry = isolates.get(isolate) ?? emptyIsolate();
    isolates.set(isolate, entry);
    entry.first = Math.min(entry.first, Number(atMs));
    entry.last = Math.max(entry.last, Number(atMs));
    const kind = gc.gc === 's' ? entry.young : entry.full;
    kind.count += 1;
    kind.pauseMs += gc.pause ?? 0;
    kind.longestMs = Math.max(kind.longestMs, gc.pause ?? 0);
    for (const [name, value] of Object.entries(gc)) {
      // The unmapper returns freed pages to the system; it is not collection work.
      if (name.startsWith('background.') && name !== 'background.unmapper') kind.helperMs += value;
    }
    if (gc.gc === 's') entry.promoted += gc.promoted ?? 0;
  }
  if (lines === 0) {
    console.log(`${file}: no --trace-gc-nvp lines (start the role with --trace-gc-nvp and keep its stdout)`);
    continue;
  }
  console.log(file);
  // Each isolate's times count from its own start, so the order is the file's: the main thread
  // collects first (it starts before any worker), then each worker.
  for (const [index, [isolate, e]] of [...isolates.entries()].entries()) {
    const seconds = Math.max(1, e.last - e.first) / 1000;
    const describe = (name, k) =>
      `${name} ${k.count} (${(k.count / seconds).toFixed(2)}/s): pauses ${k.pauseMs.toFixed(0)} ms, ` +
      `longest ${k.longestMs.toFixed(1)} ms; helpers ${k.helperMs.toFixed(0)} ms`;
    console.log(
      `  ${index === 0 ? 'main thread' : `worker ${index}`} (isolate ${isolate}), ${seconds.toFixed(1)} s traced: ` +
        `${describe('scavenges', e.young)}, ` +
        `promoted ${(e.promoted / 1048576).toFixed(1)} MiB; ${describe('full collections', e.full)}`,
    );
  }
}
