import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { fullCollection } from './full-collection.js';

export interface HeapTrimOptions {
  /** Growth of the heap in use over its lowest level that calls for a collection (default 64 MiB). */
  readonly growthBytes?: number;
  /** How often to look (default 5 s). */
  readonly everyMs?: number;
  /** Share of the last period the thread may have been busy and still count as quiet (default 5 %). */
  readonly quietUtilization?: number;
  readonly collect?: () => void;
  readonly heapUsed?: () => number;
  /** The thread's event-loop utilization since the last look, 0..1. */
  readonly utilization?: () => number;
}

/**
 * Collects the calling thread's heap in full when the thread has gone quiet holding much more than
 * it did; returns a function that stops it. A large message (a 100 MiB tool result) leaves its
 * copies behind in V8's large-object space, which only a major collection frees, and a thread that
 * then goes quiet does not reach one: measured after one such result, the gateway's thread kept
 * 435 MB of heap in use and its store thread 221 MB, for minutes. A busy thread is left to V8 (a
 * forced collection stops the thread; V8's own mostly runs beside it), and a quiet one is
 * collected at most once per `growthBytes` it grows by.
 */
export function trimHeapWhenGrown(options: HeapTrimOptions = {}): () => void {
  const growthBytes = options.growthBytes ?? 64 * 1024 * 1024;
  const quietUtilization = options.quietUtilization ?? 0.05;
  const collect = options.collect ?? fullCollection;
  const heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  const utilization = options.utilization ?? loopUtilization();
  let lowest = heapUsed();
  const timer = setInterval(() => {
    const used = heapUsed();
    const busy = utilization();
    // V8 collects too: growth counts from the lowest level seen since the last collection here.
    if (used < lowest) lowest = used;
    if (used - lowest < growthBytes || busy > quietUtilization) return;
    collect();
    lowest = heapUsed();
  }, options.everyMs ?? 5_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The thread's event-loop utilization since the previous call (0..1). */
function loopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, last);
    last = now;
    return since.utilization;
  };
}
