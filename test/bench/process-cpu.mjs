// CPU time of other processes, from Linux's /proc: what each role of a benchmark spends per call.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node.js runs on

/** utime + stime of one /proc stat line, and its nice value, in milliseconds. */
function parseStat(text) {
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  return { ms, systemMs: (Number(fields[12]) * 1000) / TICKS_PER_SECOND, nice: Number(fields[16]) };
}

/**
 * CPU milliseconds used so far by process `pid`: `total`; `main`, its main thread's (the event
 * loop: JavaScript, and the collector's work done there); and `background`, the gateway's store
 * thread's: the thread at the lowest priority of the process, when it is lower than every other
 * (nice 11 against the helpers' 10; builds before the helpers were lowered: 10 against 0). The
 * rest is the process's other threads: V8's helpers (the collector's parallel and concurrent work
 * for every thread's heap, the store thread's included, and the optimising compiler) and libuv's
 * pool (fsync, file writes). Node 20 names none of its threads, so they are told apart only this
 * way. Undefined off Linux.
 */
export function processCpu(pid) {
  if (process.platform !== 'linux' || pid === undefined) return undefined;
  try {
    let main = 0;
    const others = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const thread = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      if (tid === String(pid)) main = thread.ms;
      else others.push(thread);
    }
    const lowest = Math.max(0, ...others.map((t) => t.nice));
    const atLowest = others.filter((t) => t.nice === lowest);
    const store = lowest > 0 && atLowest.length < others.length ? atLowest : [];
    const background = store.reduce((sum, t) => sum + t.ms, 0);
    const whole = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return { total: whole.ms, system: whole.systemMs, background, main };
  } catch {
    return undefined; // exited
  }
}

/** Samples the named processes now; `since(earlier, calls)` gives CPU µs per call for each. */
export function sampleCpu(pids) {
  const at = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, processCpu(pid)]));
  const own = process.cpuUsage();
  at.loadGenerator = { total: (own.user + own.system) / 1000, system: own.system / 1000, background: 0 };
  return at;
}

export function cpuPerCall(before, after, calls) {
  const perCall = {};
  for (const [role, end] of Object.entries(after)) {
    const start = before[role];
    if (!start || !end) continue;
    perCall[role] = {
      totalUs: Math.round(((end.total - start.total) * 1000) / calls),
      systemUs: Math.round(((end.system - start.system) * 1000) / calls),
      backgroundUs: Math.round(((end.background - start.background) * 1000) / calls),
    };
    // By thread, for the processes read from /proc (not this one, the load generator): the main
    // thread, and the other threads (V8's helpers, libuv's pool), neither main nor background.
    if (end.main !== undefined && start.main !== undefined) {
      const main = end.main - start.main;
      perCall[role].mainUs = Math.round((main * 1000) / calls);
      perCall[role].otherUs = Math.round(
        ((end.total - start.total - main - (end.background - start.background)) * 1000) / calls,
      );
    }
  }
  return perCall;
}

/**
 * Waits until the named processes have finished what the calls before left them (the store
 * catching up on a backlog, recording deliveries, the agent's batches), then returns the sample
 * taken where they went quiet: so that work counts towards the calls that caused it, not towards
 * the next phase or path. Quiet: no process used more than `quietMs` of CPU in each of `windows`
 * consecutive windows of `windowMs` (Linux counts CPU in 10 ms ticks). Returns `{ sample,
 * settleMs, settled }`; `settled` is false when `maxMs` passed first (the sample is then the last).
 */
export async function settledCpu(pids, { windowMs = 250, windows = 2, quietMs = 10, maxMs = 30_000 } = {}) {
  const started = performance.now();
  const roles = Object.keys(pids);
  const busy = (from, to) =>
    roles.some((role) => (to[role]?.total ?? 0) - (from[role]?.total ?? 0) > quietMs);
  let quietFrom = sampleCpu(pids);
  let quietFromAt = performance.now();
  let previous = quietFrom;
  let quietWindows = 0;
  while (quietWindows < windows) {
    if (performance.now() - started > maxMs) {
      return { sample: previous, settleMs: Math.round(performance.now() - started), settled: false };
    }
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = sampleCpu(pids);
    if (busy(previous, now)) {
      quietWindows = 0;
      quietFrom = now;
      quietFromAt = performance.now();
    } else {
      quietWindows++;
    }
    previous = now;
  }
  return { sample: quietFrom, settleMs: Math.round(quietFromAt - started), settled: true };
}
