// Memory of other processes, from Linux's /proc and the roles' own metrics: what a benchmark's
// gateway and agent hold resident, at rest and at their peak.
import { readFileSync, writeFileSync } from 'node:fs';

const MIB = 1024 * 1024;

/**
 * VmRSS and VmHWM (peak resident since start or the last `resetPeak`) of `pid`, in bytes, and the
 * resident size split into anonymous memory (heaps, malloc, stacks) and file pages (the mapped
 * executable and libraries, shared with every process that maps the same file).
 */
export function residentMemory(pid) {
  if (process.platform !== 'linux' || pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(/\d+/.exec(status.slice(status.indexOf(`${name}:`)))?.[0]) * 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM'), anon: field('RssAnon'), file: field('RssFile') };
  } catch {
    return undefined; // exited
  }
}

/**
 * Resets the kernel's resident high-water mark of `pid` to its current RSS (`clear_refs` 5, Linux
 * ≥ 4.0, on a process this user owns), so a later VmHWM is the peak of what follows. Returns false
 * where the kernel refuses it: then only polling (`watchPeak`) sees the peak.
 */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Polls the RSS of `pids` every `everyMs` until `stop()`; resolves the highest seen per role. */
export function watchPeak(pids, everyMs = 20) {
  const highest = {};
  const sample = () => {
    for (const [role, pid] of Object.entries(pids)) {
      const rss = residentMemory(pid)?.rss ?? 0;
      highest[role] = Math.max(highest[role] ?? 0, rss);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    /** The highest RSS seen so far per role (VmHWM too, when `hwm`), without stopping. */
    sofar(hwm = false) {
      sample();
      if (!hwm) return { ...highest };
      const out = {};
      for (const [role, pid] of Object.entries(pids))
        out[role] = Math.max(highest[role], residentMemory(pid)?.peak ?? 0);
      return out;
    },
    stop() {
      clearInterval(timer);
      sample();
      return highest;
    },
  };
}

/** The V8 heap (used, total) a role reports on its operations listener's /metrics, in bytes. */
export async function heapFromMetrics(operationsUrl) {
  if (!operationsUrl) return undefined;
  const text = await (await fetch(`${operationsUrl}/metrics`)).text();
  const value = (name) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.split(' ')[1],
    );
  return {
    used: value('nodejs_heap_size_used_bytes'),
    total: value('nodejs_heap_size_total_bytes'),
    // Buffers and other ArrayBuffers: malloc'd outside the V8 heap, resident all the same.
    external: value('nodejs_external_memory_bytes'),
  };
}

/** The sum of every sample of metric `name` (all label sets) in a /metrics text, or undefined. */
export function metricSum(text, name) {
  const samples = text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
  return samples.length === 0 ? undefined : samples.reduce((a, b) => a + b, 0);
}

/** RSS and V8 heap of each role now: `{ gateway: { rss, peak, heapUsed, heapTotal }, agent: ... }`. */
export async function sampleMemory(pids, operations = {}) {
  const at = {};
  for (const [role, pid] of Object.entries(pids)) {
    const heap = await heapFromMetrics(operations[role]).catch(() => undefined);
    at[role] = {
      ...residentMemory(pid),
      heapUsed: heap?.used,
      heapTotal: heap?.total,
      external: heap?.external,
    };
  }
  return at;
}

export const mib = (bytes) => Math.round((bytes / MIB) * 10) / 10;

/** Least-squares slope of `points` ([x, y] pairs), in y units per x unit. */
export function slope(points) {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}
