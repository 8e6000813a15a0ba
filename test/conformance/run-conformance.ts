import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs the server scenarios of @modelcontextprotocol/conformance (pinned in package.json) against
// a URL. The CLI needs Node >= 22, so it runs under the `node@24` package pinned next to it, not the
// Node running the tests. Results come from the per-scenario `checks.json` files the CLI writes
// under `--output-dir`, not from its pretty-printed summary. See README.md.

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The Node 24 binary from the pinned `node` package (override: AIRLOCK_CONFORMANCE_NODE). */
export const CONFORMANCE_NODE =
  process.env['AIRLOCK_CONFORMANCE_NODE'] ?? join(here, 'node_modules', 'node', 'bin', 'node');

/** The CLI entry of the pinned conformance package. */
export const CONFORMANCE_CLI = join(
  dirname(require.resolve('@modelcontextprotocol/conformance/package.json')),
  'dist',
  'index.js',
);

/** One check as the CLI records it in checks.json. */
export interface ConformanceCheck {
  id: string;
  name: string;
  description?: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  errorMessage?: string;
  details?: unknown;
}

export interface ScenarioResult {
  /** Checks with status SUCCESS. */
  passed: number;
  /** Checks with status FAILURE (the CLI's own "failed" count; warnings do not count). */
  failed: number;
  /** `error`: the scenario threw before recording any check (e.g. the connect failed). */
  outcome: 'pass' | 'fail' | 'error';
  checks: ConformanceCheck[];
  /** For `error`: the CLI's "Failed to run scenario" message. */
  error?: string;
}

export interface ConformanceOptions {
  /** Run only these scenarios (one CLI invocation each, in sequence). Default: the whole suite. */
  scenarios?: string[];
  /** `active` (CLI default: excludes pending and draft), `all`, `pending`, `draft`. */
  suite?: 'active' | 'all' | 'pending' | 'draft';
  /** Forwarded as `--spec-version`, e.g. `2025-11-25`. */
  specVersion?: string;
  /** Forwarded as `--requirements`; replaces suite and spec version. */
  requirements?: '2025-11-25' | '2026-07-28';
  /** Per-scenario timeout, ms (CLI default 30 000). */
  scenarioTimeoutMs?: number;
  /** Kill the whole CLI run after this long, ms. Default 300 000. */
  runTimeoutMs?: number;
  /** Keep results here instead of a temporary directory (which is deleted afterwards). */
  outputDir?: string;
}

/** Everything the CLI run produced, for diagnostics when the Map is not enough. */
export interface ConformanceRun {
  results: Map<string, ScenarioResult>;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const FAILED_TO_RUN = /^Failed to run scenario (\S+): (.*)$/gm;

function cliArgs(url: string, outputDir: string, options: ConformanceOptions, scenario?: string): string[] {
  const args = [CONFORMANCE_CLI, 'server', '--url', url, '--output-dir', outputDir];
  if (scenario !== undefined) args.push('--scenario', scenario);
  if (options.requirements !== undefined) {
    args.push('--requirements', options.requirements);
  } else {
    if (options.suite !== undefined && scenario === undefined) args.push('--suite', options.suite);
    if (options.specVersion !== undefined) args.push('--spec-version', options.specVersion);
  }
  if (options.scenarioTimeoutMs !== undefined) args.push('--timeout', String(options.scenarioTimeoutMs));
  return args;
}

function runCli(
  args: string[],
  timeoutMs: number,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CONFORMANCE_NODE, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start the conformance CLI with ${CONFORMANCE_NODE}: ${error.message}`));
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

async function readResults(outputDir: string, stdout: string): Promise<Map<string, ScenarioResult>> {
  const errors = new Map<string, string>();
  for (const match of stdout.matchAll(FAILED_TO_RUN)) errors.set(match[1]!, match[2]!);

  const results = new Map<string, ScenarioResult>();
  for (const entry of (await readdir(outputDir)).sort()) {
    const scenario = RESULT_DIR.exec(entry)?.[1];
    if (scenario === undefined) continue;
    let checks: ConformanceCheck[];
    try {
      checks = JSON.parse(
        await readFile(join(outputDir, entry, 'checks.json'), 'utf8'),
      ) as ConformanceCheck[];
    } catch {
      // The CLI creates the directory first and writes checks.json only if the scenario completed.
      results.set(scenario, {
        passed: 0,
        failed: 0,
        outcome: 'error',
        checks: [],
        error: errors.get(scenario) ?? 'scenario produced no checks.json',
      });
      continue;
    }
    const passed = checks.filter((c) => c.status === 'SUCCESS').length;
    const failed = checks.filter((c) => c.status === 'FAILURE').length;
    results.set(scenario, { passed, failed, outcome: failed > 0 ? 'fail' : 'pass', checks });
  }
  return results;
}

/** Runs the server scenarios against `url` and returns everything the run produced. */
export async function runServerConformanceDetailed(
  url: string,
  options: ConformanceOptions = {},
): Promise<ConformanceRun> {
  const outputDir = options.outputDir ?? (await mkdtemp(join(tmpdir(), 'airlock-conformance-')));
  const started = performance.now();
  try {
    const runs = options.scenarios?.map((s) => cliArgs(url, outputDir, options, s)) ?? [
      cliArgs(url, outputDir, options),
    ];
    let exitCode: number | null = 0;
    let stdout = '';
    let stderr = '';
    for (const args of runs) {
      const run = await runCli(args, options.runTimeoutMs ?? 300_000);
      if (run.exitCode !== 0) exitCode = run.exitCode;
      stdout += run.stdout;
      stderr += run.stderr;
    }
    const results = await readResults(outputDir, stdout);
    if (results.size === 0) {
      throw new Error(`the conformance CLI produced no results (exit ${exitCode}):\n${stdout}\n${stderr}`);
    }
    return { results, exitCode, stdout, stderr, durationMs: performance.now() - started };
  } finally {
    if (options.outputDir === undefined) await rm(outputDir, { recursive: true, force: true });
  }
}

/**
 * Runs the conformance server scenarios against `url` (an MCP endpoint, e.g. `http://127.0.0.1:N/mcp`)
 * and returns one result per scenario. Call it once for the upstream directly and once through
 * Airlock, then compare with `checkDifferences`.
 */
export async function runServerConformance(
  url: string,
  options: ConformanceOptions = {},
): Promise<Map<string, ScenarioResult>> {
  return (await runServerConformanceDetailed(url, options)).results;
}

/** One check difference between two runs of the same scenario. */
export interface CheckDifference {
  scenario: string;
  /** `id: STATUS` entries the baseline recorded and the candidate did not (or fewer times). */
  onlyInBaseline: string[];
  /** `id: STATUS` entries the candidate recorded and the baseline did not (or fewer times). */
  onlyInCandidate: string[];
}

function checkTally(result: ScenarioResult | undefined): Map<string, number> {
  const tally = new Map<string, number>();
  for (const check of result?.checks ?? []) {
    const key = `${check.id}: ${check.status}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return tally;
}

function surplus(a: Map<string, number>, b: Map<string, number>): string[] {
  return [...a].flatMap(([key, n]) => Array<string>(Math.max(0, n - (b.get(key) ?? 0))).fill(key)).sort();
}

/**
 * Check by check, what differs between two runs: each check id with its status (SUCCESS, FAILURE,
 * WARNING, SKIPPED, INFO), counted, so a scenario that passes both ways but runs fewer checks, or
 * skips one, or passes one that failed, shows up. Scenarios with the same checks are left out.
 */
export function checkDifferences(
  baseline: Map<string, ScenarioResult>,
  candidate: Map<string, ScenarioResult>,
): CheckDifference[] {
  const scenarios = [...new Set([...baseline.keys(), ...candidate.keys()])].sort();
  return scenarios.flatMap((scenario) => {
    const base = checkTally(baseline.get(scenario));
    const cand = checkTally(candidate.get(scenario));
    const onlyInBaseline = surplus(base, cand);
    const onlyInCandidate = surplus(cand, base);
    return onlyInBaseline.length + onlyInCandidate.length === 0
      ? []
      : [{ scenario, onlyInBaseline, onlyInCandidate }];
  });
}

/**
 * A difference where the candidate only passes checks the baseline failed (for example the gateway
 * enforcing the 2026-07-28 wire in front of a 2025-era server): nothing is checked less or lost.
 */
export function isImprovement(difference: CheckDifference): boolean {
  const base = difference.onlyInBaseline.map((c) => c.replace(/: FAILURE$/, ''));
  const cand = difference.onlyInCandidate.map((c) => c.replace(/: SUCCESS$/, ''));
  return (
    difference.onlyInBaseline.every((c) => c.endsWith(': FAILURE')) &&
    difference.onlyInCandidate.every((c) => c.endsWith(': SUCCESS')) &&
    cand.every((c) => base.includes(c))
  );
}

/** One line per scenario, `✓ name 3/0` style, for test failure messages and logs. */
export function formatConformance(results: Map<string, ScenarioResult>): string {
  return [...results]
    .map(([name, r]) => {
      const mark = r.outcome === 'pass' ? '✓' : r.outcome === 'fail' ? '✗' : '!';
      const why =
        r.outcome === 'error'
          ? ` — ${r.error}`
          : r.outcome === 'fail'
            ? ` — ${r.checks
                .filter((c) => c.status === 'FAILURE')
                .map((c) => `${c.id}: ${c.errorMessage ?? ''}`)
                .join('; ')}`
            : '';
      return `${mark} ${name}: ${r.passed} passed, ${r.failed} failed${why}`;
    })
    .join('\n');
}
