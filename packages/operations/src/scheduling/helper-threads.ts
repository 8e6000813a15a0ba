import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * The nice value of a role's helper threads (Linux): V8's (the collector's parallel and concurrent
 * work, the optimising compiler) and libuv's pool (fsync, asynchronous file writes such as the
 * log's). The main thread, which relays, stays at the process's priority.
 *
 * Why: on a machine whose cores are all busy, a helper thread that the scheduler treats as the
 * relay's equal takes its turn in the middle of a call. Measured on a 2 vCPU machine with every
 * feature on (`compare-builds.mjs -- --all-features --latency-only`, four pairs): added p99
 * 5.4–7.7 ms against 6.8–9.6 (−20 % per pair, median), p50 −13 %, CPU per call unchanged
 * (−3.5 %, within the runs' spread). A helper only waits when the cores are busy; on an idle
 * machine this changes nothing.
 */
export const HELPER_THREAD_NICE = 10;

/** How often threads started since (a worker thread brings its own) are lowered too. */
const RECHECK_MS = 30_000;

/**
 * Lowers the priority of every thread of this process but the main one to `nice`, leaving threads
 * already lower (the gateway's store thread, at 11) as they are. On Linux a nice value belongs to
 * a thread and `setpriority` takes a thread id; elsewhere, or called from a worker thread, it does
 * nothing. Returns how many threads it lowered.
 */
export function lowerHelperThreads(nice = HELPER_THREAD_NICE): number {
  if (process.platform !== 'linux' || !isMainThread) return 0;
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    return 0; // no /proc: nothing to lower
  }
  let lowered = 0;
  for (const name of threads) {
    const tid = Number(name);
    if (tid === process.pid) continue;
    try {
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      lowered += 1;
    } catch {
      // The thread ended meanwhile, or the system does not allow it: it keeps its priority.
    }
  }
  return lowered;
}

/**
 * Lowers the helper threads now and every 30 s (a thread started later, such as one a worker
 * brings, starts at the priority of the thread that made it); returns stop. libuv starts its whole
 * pool on the first task it is given, so one is given first: the pool is lowered with the rest.
 */
export async function keepHelperThreadsLow(nice = HELPER_THREAD_NICE): Promise<() => void> {
  await stat('/').catch(() => undefined);
  lowerHelperThreads(nice);
  const timer = setInterval(() => lowerHelperThreads(nice), RECHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
