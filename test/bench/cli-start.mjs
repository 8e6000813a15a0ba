#!/usr/bin/env node
// How long an `airlock` command takes to start: wall time from spawning `node <cli> <command>` to
// its exit, for commands that do no network work, this checkout's build and optionally another's,
// alternating (A B B A …) so that the machine's swings weigh on both alike.
//
//   node test/bench/cli-start.mjs [--base <other checkout>/packages/cli/dist/main.js]
//                                 [--runs 20] [--commands="--version,whoami --json,config check"]
//                                 [--out file.json]
//
// `whoami` without a login, and `config check` without a file, answer with an error and exit
// non-zero; both still load what the command loads, which is what is measured. Each command also
// gets one unmeasured start first (the OS's file cache). Prints p50/p90 ms per command and build,
// and writes a JSON file (default test/bench/results/cli-start-<time>.json).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './bench-args.mjs';
import { percentile } from './mcp-load.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    base: { type: 'string' },
    runs: { type: 'string', default: '20' },
    commands: { type: 'string', default: '--version,whoami --json,config check' },
    out: { type: 'string' },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`cli-start.mjs: --runs takes a whole number above 0 (got ${args.runs})\n`);
  process.exit(2);
}
if (args.base !== undefined && !existsSync(args.base)) {
  process.stderr.write(
    `cli-start.mjs: --base names the other build's packages/cli/dist/main.js (${args.base} does not exist); build that checkout first (node scripts/pnpm.mjs run build)\n`,
  );
  process.exit(2);
}

const builds = [
  { name: 'this', cli: fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url)) },
  ...(args.base ? [{ name: 'base', cli: args.base }] : []),
];
const commands = args.commands.split(',').map((c) => c.trim().split(/\s+/));
// A home and a configuration of its own: no login, no configuration file, no gateway.
const home = mkdtempSync(join(tmpdir(), 'airlock-cli-start-'));
const env = {
  ...process.env,
  AIRLOCK_HOME: home,
  AIRLOCK_GATEWAY: 'http://127.0.0.1:9',
  AIRLOCK_CONFIG: join(home, 'absent.yaml'),
};

function startOnce(cli, command) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...command], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Exit 1 or 2 is the command's own answer (not logged in, no configuration); anything else,
  // or a stack trace, means the CLI did not start, and timing it would measure nothing.
  const stderr = result.stderr?.toString() ?? '';
  if (result.error || ![0, 1, 2].includes(result.status ?? -1) || /\n\s+at /.test(stderr)) {
    throw new Error(
      `cli-start.mjs: \`node ${cli} ${command.join(' ')}\` did not start (exit ${result.status}${result.error ? `, ${result.error.message}` : ''}): ${stderr.slice(0, 400)}`,
    );
  }
  return ms;
}

/** One series of start-up times per build and command, in the order they are printed. */
const series = builds.flatMap((build) => commands.map((command) => ({ build, command, ms: [] })));
try {
  for (const { build, command } of series) startOnce(build.cli, command);
  for (let run = 0; run < runs; run += 1) {
    const order = run % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      for (const one of series) if (one.build === build) one.ms.push(startOnce(build.cli, one.command));
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

const rows = series.map(({ build, command, ms }) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    build: build.name,
    command: command.join(' '),
    runs: ms.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
  };
});
console.log(
  `\nairlock start-up, ${runs} runs per command and build; load average ${loadavg()[0].toFixed(2)}; ${cpus().length} CPUs\n`,
);
console.log('| build | command                  | p50 ms | p90 ms |');
console.log('|-------|--------------------------|--------|--------|');
for (const r of rows) {
  console.log(
    `| ${r.build.padEnd(5)} | ${r.command.padEnd(24)} | ${r.p50.toFixed(0).padStart(6)} | ${r.p90.toFixed(0).padStart(6)} |`,
  );
}
const result = {
  benchmark: 'cli-start',
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  builds,
  rows,
};
const out =
  args.out ??
  join(
    fileURLToPath(new URL('.', import.meta.url)),
    'results',
    `cli-start-${result.at.replace(/[:.]/g, '-')}.json`,
  );
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nJSON: ${out}`);
