import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/**
 * Keeps the relay benchmark runnable: a quick run must relay every call without error and write
 * its JSON. It asserts no timing (performance is read from the benchmark, never from tests).
 */
it('runs the relay benchmark end to end and writes its JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const bench = new URL('../bench/relay-bench.mjs', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bench, '--quick', '--out', out], {
      timeout: 120_000,
    });
    expect(stdout).toContain('| airlock |');
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      configurations: {
        name: string;
        latencyMs: {
          direct: { calls: number; p50: number };
          airlock: { calls: number; p50: number };
        };
        throughput: {
          direct: { completed: number; failed: number };
          airlock: { completed: number; failed: number };
        };
      }[];
    };
    expect(result.configurations.map((c) => c.name)).toEqual(['legacy/sdk']);
    for (const configuration of result.configurations) {
      for (const path of ['direct', 'airlock'] as const) {
        expect(configuration.latencyMs[path].calls).toBeGreaterThan(0);
        expect(configuration.latencyMs[path].p50).toBeGreaterThan(0);
        expect(configuration.throughput[path].completed).toBeGreaterThan(0);
        expect(configuration.throughput[path].failed).toBe(0);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

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

it('prints each benchmark script its options on --help and refuses an unknown option', async () => {
  const run = promisify(execFile);
  const dir = new URL('../bench/', import.meta.url).pathname;
  const scripts = [
    'relay-bench.mjs',
    'scale-bench.mjs',
    'recording-cost.mjs',
    'live-updates.mjs',
    'compare-builds.mjs',
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
