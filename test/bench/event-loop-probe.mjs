// Event-loop and collector probe for a role under a benchmark: preloaded into the role's process,
// it records how long the main thread's event loop was held (perf_hooks.monitorEventLoopDelay,
// 1 ms resolution) and every garbage collection of the main thread's heap, over a window, then
// writes them to a JSON file. Use it through the benchmarks' Node flags, e.g.
//
//   BENCH_ROLE_NODE_FLAGS="--import=$PWD/test/bench/event-loop-probe.mjs" \
//     node test/bench/relay-bench.mjs --all-features --latency-only
//
// BENCH_PROBE_DIR (default the system's temporary directory) receives one
// `event-loop-<role>-<pid>.json` per process; BENCH_PROBE_START_MS (default 8000) and
// BENCH_PROBE_MS (default 12000) place the window after the process started, so that it covers
// the load rather than the start. A process that exits before the window ends writes what it saw
// until then, marked `endedEarly` (one that exits before the window starts, or is killed
// outright, writes nothing).
// Collections by kind: minor (young generation, "scavenge"), major (mark-compact), incremental,
// weak callbacks; each with its count, total, longest and how many took over 2 ms. `stalls` lists
// each time the loop was held 20 ms or more (`atMs`: when it ended, in ms since the process
// started, as performance.now()), and `longCollections` each collection of 10 ms or more, so that
// a stall can be matched to a collection, or to the role's log lines by time (`startedAt`).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

if (isMainThread) {
  const startMs = Number(process.env.BENCH_PROBE_START_MS ?? 8000);
  const windowMs = Number(process.env.BENCH_PROBE_MS ?? 12000);
  const dir = process.env.BENCH_PROBE_DIR ?? tmpdir();
  const role = process.argv.find((arg) => arg === 'gateway' || arg === 'agent') ?? 'process';
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const collections = {};
  const longCollections = [];
  const stalls = [];
  let tick;
  let lastTick = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
      const c = (collections[kind] ??= { count: 0, totalMs: 0, longestMs: 0, over2Ms: 0 });
      c.count += 1;
      c.totalMs += entry.duration;
      c.longestMs = Math.max(c.longestMs, entry.duration);
      if (entry.duration > 2) c.over2Ms += 1;
      if (entry.duration >= 10)
        longCollections.push({
          atMs: Math.round(entry.startTime),
          kind,
          ms: Math.round(entry.duration * 10) / 10,
        });
    }
  });
  let enabledAt;
  let written = false;
  const write = () => {
    written = true;
    delay.disable();
    observer.disconnect();
    clearInterval(tick);
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const observedMs = Math.round(performance.now() - enabledAt);
    writeFileSync(
      join(dir, `event-loop-${role}-${process.pid}.json`),
      JSON.stringify(
        {
          role,
          windowMs: Math.min(windowMs, observedMs),
          // The process exited before the window ended: what it saw until then.
          ...(observedMs < windowMs ? { endedEarly: true } : {}),
          loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
          collections,
          startedAt: new Date(performance.timeOrigin).toISOString(),
          stalls,
          longCollections,
        },
        null,
        2,
      ),
    );
  };
  // A role stopped by the benchmark before the window ended still leaves what it saw.
  process.on('exit', () => {
    if (enabledAt !== undefined && !written) write();
  });
  setTimeout(() => {
    delay.enable();
    observer.observe({ entryTypes: ['gc'] });
    enabledAt = performance.now();
    lastTick = enabledAt;
    tick = setInterval(() => {
      const now = performance.now();
      if (now - lastTick >= 25) stalls.push({ atMs: Math.round(now), ms: Math.round(now - lastTick - 5) });
      lastTick = now;
    }, 5).unref();
    setTimeout(write, windowMs).unref();
  }, startMs).unref();
}
