#!/usr/bin/env node
// Splits a role's CPU by what each thread was doing, from Linux `perf` samples with call stacks:
// the main thread, the gateway's store thread (a Node worker), and V8's helper threads by kind
// (compiling JavaScript, compiling WebAssembly, garbage collection, other), plus libuv's pool.
// The relay benchmark lumps the helpers together as "other threads"; this says what they are.
//
//   perf record -F 499 -g -p <pid> -o /tmp/role.data -- sleep 10
//   perf script -i /tmp/role.data | node test/bench/perf-thread-split.mjs --main <pid>
//
// <pid> is the role's process (`pgrep -f "main.js gateway"` while the benchmark runs); its main
// thread has the process's id. `perf` is Debian's `linux-perf` package.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { main: { type: 'string' } } });
if (!args.main || !/^\d+$/.test(args.main)) {
  console.error('usage: perf script -i <file> | node test/bench/perf-thread-split.mjs --main <pid>');
  process.exit(2);
}

/** What a helper thread's sample was doing, from its stack (leaf first). */
function helperKind(stack) {
  if (/WasmCompilationUnit|wasm::[A-Za-z:]*Compil/.test(stack)) return 'helpers: compiling WebAssembly';
  if (/OptimizedCompilationJob|OptimizingCompileDispatcher|compiler::|Maglev/.test(stack))
    return 'helpers: compiling JavaScript';
  if (/Marking|Scaveng|Sweep|Evacuat|Compactor|MarkCompact|Heap::|MemoryAllocator/.test(stack))
    return 'helpers: garbage collection';
  return 'helpers: other';
}

/** Every sample as its thread id and its stack in one string. */
const samples = [];
let tid;
let stack = [];
const flush = () => {
  if (tid !== undefined) samples.push({ tid, stack: stack.join(' ') });
  tid = undefined;
  stack = [];
};
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') {
    flush();
    continue;
  }
  // A sample's header: "<comm> <tid> <time>: <period> <event>:"; its frames are indented.
  const header = /^\S+\s+(\d+)(?:\/(\d+))?\s/.exec(line);
  if (header && !/^\s/.test(line)) {
    flush();
    tid = header[2] ?? header[1];
    continue;
  }
  const frame = line.trim().split(/\s+/)[1];
  if (frame) stack.push(frame);
}
flush();

// A thread is named by any one of its samples (perf cuts deep stacks short, so not every sample
// reaches the thread's start): a thread other than the main one that runs JavaScript (V8's
// builtins) is a Node worker; one that starts in libuv's `worker` is its pool. V8's helpers do
// neither.
const threadRole = new Map();
for (const { tid: id, stack: frames } of samples) {
  if (id === args.main) continue;
  if (/node::worker::|Builtins_/.test(frames)) threadRole.set(id, 'worker (the store thread)');
  else if (/(^| )worker\+0x/.test(frames) && !threadRole.has(id)) threadRole.set(id, "libuv's pool");
}
threadRole.set(args.main, 'main thread');
const counts = new Map();
const total = samples.length;
for (const { tid: id, stack: frames } of samples) {
  const kind = threadRole.get(id) ?? helperKind(frames);
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
}
if (total === 0) {
  console.error('No samples read: pipe `perf script` output of a `perf record -g` run into this.');
  process.exit(1);
}
for (const [kind, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  console.log(
    `${kind.padEnd(32)} ${String(n).padStart(6)} samples  ${((100 * n) / total).toFixed(1).padStart(5)} %`,
  );
}
console.log(`${'all'.padEnd(32)} ${String(total).padStart(6)} samples`);
