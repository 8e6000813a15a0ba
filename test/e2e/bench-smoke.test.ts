import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/**
 * Keeps the relay benchmark runnable: a quick run must relay every call without error, on each
 * path (direct, the floor relay, Airlock), and write its JSON. It asserts no timing (performance is
 * read from the benchmark, never from tests).
 */
it('runs the relay benchmark end to end and writes its JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const bench = new URL('../bench/relay-bench.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bench, '--quick', '--floor', '--out', out],
      {
        timeout: 120_000,
      },
    );
    expect(stdout).toContain('| airlock |');
    expect(stdout).toContain('| floor   |');
    expect(stdout).toMatch(
      /floor \(front \+ back, the hops alone\): .* \d+ µs per call; Airlock's gateway \+ agent [\d.]+× the floor's/,
    );
    expect(stdout).toMatch(
      /by thread, µs per call: gateway main \d+, store thread \d+, other threads \d+; agent main \d+/,
    );
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      configurations: {
        name: string;
        cpuMicrosecondsPerCall: {
          airlock: {
            loaded: Record<
              'gateway' | 'agent',
              { totalUs: number; mainUs: number; backgroundUs: number; otherUs: number }
            >;
          };
          floor: { loaded: Record<'front' | 'back', { totalUs: number }> };
        };
        latencyMs: Record<'direct' | 'floor' | 'airlock', { calls: number; p50: number }>;
        throughput: Record<'direct' | 'floor' | 'airlock', { completed: number; failed: number }> & {
          floorRatio: number;
        };
      }[];
    };
    expect(result.configurations.map((c) => c.name)).toEqual(['legacy/sdk']);
    for (const configuration of result.configurations) {
      for (const path of ['direct', 'floor', 'airlock'] as const) {
        expect(configuration.latencyMs[path].calls).toBeGreaterThan(0);
        expect(configuration.latencyMs[path].p50).toBeGreaterThan(0);
        expect(configuration.throughput[path].completed).toBeGreaterThan(0);
        expect(configuration.throughput[path].failed).toBe(0);
      }
      // Each role's CPU by thread adds up to its whole (each part rounded on its own).
      for (const role of ['gateway', 'agent'] as const) {
        const cpu = configuration.cpuMicrosecondsPerCall.airlock.loaded[role];
        expect(cpu.mainUs).toBeGreaterThan(0);
        expect(cpu.otherUs).toBeGreaterThanOrEqual(0);
        expect(Math.abs(cpu.mainUs + cpu.backgroundUs + cpu.otherUs - cpu.totalUs)).toBeLessThanOrEqual(2);
      }
      // The floor's two processes did the floor path's work.
      expect(configuration.cpuMicrosecondsPerCall.floor.loaded.front.totalUs).toBeGreaterThan(0);
      expect(configuration.cpuMicrosecondsPerCall.floor.loaded.back.totalUs).toBeGreaterThan(0);
      expect(configuration.throughput.floorRatio).toBeGreaterThan(0);
      // Recording is on by default: the gateway's store thread worked.
      expect(configuration.cpuMicrosecondsPerCall.airlock.loaded.gateway.backgroundUs).toBeGreaterThan(0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

it("writes a process's event-loop delay and collections with the event-loop probe preloaded", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-probe-smoke-'));
  try {
    const probe = new URL('../bench/event-loop-probe.mjs', import.meta.url).pathname;
    // Allocates for 1.5 s (young-generation collections) and blocks the loop once for ~60 ms.
    const script = `
      const keep = [];
      const end = Date.now() + 1500;
      const tick = () => {
        for (let i = 0; i < 20000; i++) keep[i % 1000] = { i, text: 'x' + i };
        if (Date.now() < end) setImmediate(tick);
      };
      setTimeout(() => { const until = Date.now() + 60; while (Date.now() < until); }, 600);
      tick();`;
    await promisify(execFile)(process.execPath, [`--import=${probe}`, '-e', script, 'agent'], {
      timeout: 30_000,
      env: { ...process.env, BENCH_PROBE_DIR: dir, BENCH_PROBE_START_MS: '100', BENCH_PROBE_MS: '1200' },
    });
    const files = readdirSync(dir).filter((name) => name.startsWith('event-loop-agent-'));
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as {
      role: string;
      loopDelayMs: { p50: number; p99: number; max: number };
      collections: Record<string, { count: number; totalMs: number; longestMs: number }>;
    };
    expect(report.role).toBe('agent');
    expect(report.loopDelayMs.max).toBeGreaterThanOrEqual(50);
    expect(report.collections['minor']?.count).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it("sums up a process's garbage-collection trace per thread with gc-trace-summary", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-gc-trace-smoke-'));
  try {
    // Allocates in the main thread and in a worker, keeping some of it (promoted), and forces
    // three full collections in the main thread and two in the worker.
    const allocate = `
      const keep = [];
      for (let i = 0; i < 400000; i++) { const o = { i, text: 'x' + i }; if (i % 10 === 0) keep.push(o); }`;
    const script = `
      const { Worker } = require('node:worker_threads');
      ${allocate}
      gc(); gc(); gc();
      const worker = new Worker(${JSON.stringify(`${allocate}; gc(); gc();`)}, { eval: true });
      worker.on('exit', () => console.log('kept', keep.length));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--trace-gc-nvp', '--max-semi-space-size=1', '-e', script],
      { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const trace = join(dir, 'role.stdout');
    writeFileSync(trace, stdout);
    const empty = join(dir, 'empty.stdout');
    writeFileSync(empty, 'no trace here\n');
    const summary = new URL('../bench/gc-trace-summary.mjs', import.meta.url).pathname;
    const { stdout: report } = await promisify(execFile)(process.execPath, [summary, trace, empty], {
      timeout: 30_000,
    });
    const line = (who: string) => report.split('\n').find((l) => l.trimStart().startsWith(who)) ?? '';
    const count = (text: string, what: string) => Number(new RegExp(`${what} (\\d+) `).exec(text)?.[1]);
    const main = line('main thread');
    const worker = line('worker 1');
    expect(count(main, 'scavenges')).toBeGreaterThan(0);
    expect(count(main, 'full collections')).toBeGreaterThanOrEqual(3);
    expect(count(worker, 'scavenges')).toBeGreaterThan(0);
    expect(count(worker, 'full collections')).toBeGreaterThanOrEqual(2);
    expect(Number(/promoted ([\d.]+) MiB/.exec(main)?.[1])).toBeGreaterThan(0);
    expect(line('worker 2')).toBe('');
    expect(report).toContain(`${empty}: no --trace-gc-nvp lines`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** Keeps the recording cost benchmark runnable: two paths side by side, every block measured. */
it('runs the recording cost benchmark end to end and writes its JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const bench = new URL('../bench/recording-cost.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bench, '--rounds', '3', '--block', '20', '--warmup', '20', '--settle-ms', '10', '--out', out],
      { timeout: 120_000 },
    );
    expect(stdout).toContain('| recording on  |');
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      latencyMs: Record<'direct' | 'off' | 'on', { calls: number; p50: number }>;
      rounds: Array<{ order: string[] }>;
    };
    for (const path of ['direct', 'off', 'on'] as const) {
      expect(result.latencyMs[path].calls).toBe(60);
      expect(result.latencyMs[path].p50).toBeGreaterThan(0);
    }
    // The order rotates, so no path always runs right after another one's deferred work.
    expect(new Set(result.rounds.map((r) => r.order[0]))).toEqual(new Set(['direct', 'off', 'on']));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

it("times the CLI's start-up, alternating two builds, and writes its JSON", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cli-start-smoke-'));
  try {
    const out = join(dir, 'cli-start.json');
    const bench = new URL('../bench/cli-start.mjs', import.meta.url).pathname;
    const cli = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
    // This build twice, as "this" and as "base": the script's part, not a comparison.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bench, '--base', cli, '--runs', '2', '--commands=--version,whoami --json', '--out', out],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('| this  | --version');
    expect(stdout).toContain('| base  | whoami --json');
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      rows: { build: string; command: string; runs: number; p50: number; p90: number }[];
    };
    expect(result.rows.map((r) => `${r.build} ${r.command}`).sort()).toEqual([
      'base --version',
      'base whoami --json',
      'this --version',
      'this whoami --json',
    ]);
    for (const row of result.rows) {
      expect(row.runs).toBe(2);
      // A Node.js process that loads the CLI takes tens of milliseconds at the very least.
      expect(row.p50).toBeGreaterThan(20);
      expect(row.p90).toBeGreaterThanOrEqual(row.p50);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);

it('prints each benchmark script its options on --help and refuses an unknown option', async () => {
  const run = promisify(execFile);
  const dir = new URL('../bench/', import.meta.url).pathname;
  const scripts = [
    'relay-bench.mjs',
    'scale-bench.mjs',
    'recording-cost.mjs',
    'live-updates.mjs',
    'compare-builds.mjs',
    'cli-start.mjs',
  ];
  // Each is its own process: all at once.
  const failed = (error: { code: number; stderr: string }) => error;
  const [helps, relayHelp, refused, noBase] = await Promise.all([
    Promise.all(
      scripts.map((script) => run(process.execPath, [join(dir, script), '--help'], { timeout: 30_000 })),
    ),
    run(process.execPath, [join(dir, 'relay-bench.mjs'), '--help']),
    run(process.execPath, [join(dir, 'relay-bench.mjs'), '--no-such-option']).then(() => undefined, failed),
    run(process.execPath, [join(dir, 'compare-builds.mjs'), '--base', join(dir, 'no-such-build.js')]).then(
      () => undefined,
      failed,
    ),
  ]);
  for (const { stdout } of helps) {
    // The script's opening comment, without its slashes.
    expect(stdout.length).toBeGreaterThan(200);
    expect(stdout).not.toMatch(/^\/\//m);
  }
  expect(relayHelp.stdout).toContain('--all-features');
  expect(refused?.code).toBe(2);
  expect(refused?.stderr).toContain("relay-bench.mjs: Unknown option '--no-such-option'; run it with --help");
  // The comparison names what is missing and what to do, before it runs anything.
  expect(noBase?.code).toBe(2);
  expect(noBase?.stderr).toContain("--base must name the other build's packages/cli/dist/main.js");
  expect(noBase?.stderr).toContain('does not exist');
}, 60_000);
