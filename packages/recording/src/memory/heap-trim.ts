import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { fullCollection } from './full-collection.js';

export interface HeapTrimOptions {
  /** Growth of the heap in use over its lowest level that calls for a collection (default 64 MiB). */
  readonly growthBytes?: number;
  /** Memory of the young generation that a quiet thread gives back (default 8 MiB). */
  readonly youngBytes?: number;
  /** How often to look (default 2.5 s). */
  readonly everyMs?: number;
  /** Share of the last period the thread may have been busy and still count as quiet (default 5 %). */
  readonly quietUtilization?: number;
  readonly collect?: () => void;
  readonly heapUsed?: () => number;
  /** Memory the young generation (V8's new space) holds now. */
  readonly youngSize?: () => number;
  /** The thread's event-loop utilization since the last look, 0..1. */
  readonly utilization?: () => number;
}

/**
 * Quiet looks in a row before the young generation is given back (about 5 s at the default), and
 * again after twice as many while it stays large, up to the last.
 */
const FIRST_YOUNG_LOOK = 2;
const LAST_YOUNG_LOOK = 32;

/**
 * Collects the calling thread's heap in full when the thread has gone quiet holding much more
 * than it needs; returns a function that stops it. Node.js runs no idle-time tasks, so V8's memory
 * reducer, which would do this by itself, does not run: a thread that goes quiet keeps what its
 * busy time left behind. Two cases, both measured:
 *
 * - Garbage in the old generation. A large message (a 100 MiB tool result) leaves its copies in
 *   V8's large-object space, which only a major collection frees: after one such result the
 *   gateway's thread kept 435 MB of heap in use and its store thread 221 MB, for minutes. Collected
 *   once the thread is quiet and has grown `growthBytes` over its lowest level.
 * - The young generation. Under load V8 grows it to its largest (two 16 MiB semi-spaces) and keeps
 *   it: an idle agent held 66 MB of anonymous memory where 37 MB would do. A full collection
 *   shrinks it again, but only when the thread has allocated little over V8's last 5 s of
 *   collections (its allocation rate), so a quiet thread is collected after about 5 s of quiet
 *   and, while the young generation stays large, after 10, 20, 40 and 80 s (a few collections per
 *   quiet stretch, none more after that). Starting Node with a small young generation instead
 *   (`--max-semi-space-size=1`) cost the agent 110 µs per relayed call under load.
 *
 * A busy thread is left to V8 (a forced collection stops the thread; V8's own mostly runs beside
 * it). A collection of an idle role's heap takes tens of milliseconds.
 */
export function trimHeapWhenQuiet(options?: HeapTrimOptions): () => void {
  if (options !== undefined) return startTrimming(options);
  // Roles sharing a thread (`airlock dev` runs the gateway and the agent in one) share its trimmer.
  threadTrimmer ??= { users: 0, stop: startTrimming({}) };
  threadTrimmer.users += 1;
  let stopped = false;
  return () => {
    if (stopped || threadTrimmer === undefined) return;
    stopped = true;
    threadTrimmer.users -= 1;
    if (threadTrimmer.users > 0) return;
    threadTrimmer.stop();
    threadTrimmer = undefined;
  };
}

let threadTrimmer: { users: number; readonly stop: () => void } | undefined;

function startTrimming(options: HeapTrimOptions): () => void {
  const growthBytes = options.growthBytes ?? 64 * 1024 * 1024;
  const youngBytes = options.youngBytes ?? 8 * 1024 * 1024;
  const quietUtilization = options.quietUtilization ?? 0.05;
  const collect = options.collect ?? fullCollection;
  const heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  const youngSize = options.youngSize ?? newSpaceSize;
  const utilization = options.utilization ?? loopUtilization();
  let lowest = heapUsed();
  let quietLooks = 0;
  let youngLook = FIRST_YOUNG_LOOK;
  const timer = setInterval(() => {
    const used = heapUsed();
    // V8 collects too: growth counts from the lowest level seen since the last collection here.
    if (used < lowest) lowest = used;
    if (utilization() > quietUtilization) {
      quietLooks = 0;
      youngLook = FIRST_YOUNG_LOOK;
      return;
    }
    quietLooks += 1;
    const grown = used - lowest >= growthBytes;
    const youngHeld = quietLooks === youngLook && youngLook <= LAST_YOUNG_LOOK && youngSize() >= youngBytes;
    if (youngHeld) youngLook *= 2;
    if (!grown && !youngHeld) return;
    collect();
    lowest = heapUsed();
  }, options.everyMs ?? 2_500);
  timer.unref();
  return () => clearInterval(timer);
}

/** The physical memory of V8's new space (the young generation's semi-spaces). */
function newSpaceSize(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
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
