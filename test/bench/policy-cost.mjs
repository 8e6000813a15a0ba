#!/usr/bin/env node
// What masking (in the agent) and guardrails (at the gateway) cost a relayed tool call with a
// ~4 KiB result. Airlock paths run side by side to the same upstream, recording off on all so
// only policy differs: `off` (no masking, not even the agent's floor; no guardrails),
// `defaultMasking` (the `default` detectors), `masking` (all 20 built-in detectors), `guardrails` (20 rules that do not match the call, CEL on the
// arguments among them), `approvalRules` (10 approve rules that do not match: a held call costs only when held). Calls go direct and through each path in interleaved blocks, the order
// rotating per round, so every path is measured over the same seconds of the machine's life.
//
//   node test/bench/policy-cost.mjs [--rounds 12] [--block 400] [--warmup 2000] [--out file.json]
//
// Also measures masking throughput in this process (MB/s of JSON text, default detectors, one
// core). Needs `npx tsc -b`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { compileMasker, expandDetectorNames } from '@airlock/core';
import { startServerProcess, testkitBins } from '@airlock/testkit';
import { recordingSection, startAirlockStack } from './airlock-stack.mjs';
import { openSession, percentile } from './mcp-load.mjs';
import { APPROVAL_RULES, GUARDRAILS } from './policy-rules.mjs';
import { cpuPerCall, sampleCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    rounds: { type: 'string', default: '12' },
    block: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '2000' },
    'settle-ms': { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
const plan = {
  rounds: Number(args.rounds),
  block: Number(args.block),
  warmup: Number(args.warmup),
  settleMs: Number(args['settle-ms']),
};
for (const [key, value] of Object.entries(plan)) {
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${key} must be a whole number (got ${value})`);
    process.exit(2);
  }
}

const round = (n) => Math.round(n * 1000) / 1000;

/** A realistic ~4 KiB tool result: order rows with dates, amounts and ids, no secrets. */
function resultText() {
  const rows = [];
  for (let i = 0; rows.join('\n').length < 4000; i++) {
    rows.push(
      `order ${10_000 + i} | customer cus_${2000 + i} | shipped 2026-11-${String((i % 28) + 1).padStart(2, '0')} via ground | total $${(i * 13.7).toFixed(2)} | status active`,
    );
  }
  return rows.join('\n');
}
const TEXT = resultText();

const NO_MASKING = {
  gateway: { masking: [{ connections: ['*'], enabled: false }] },
  agent: { masking: { floor: { detectors: [] } } },
};
const ALL_DETECTORS = { gateway: { masking: [{ connections: ['*'], detectors: ['all'] }] } };
const DEFAULT_DETECTORS = { gateway: { masking: [{ connections: ['*'], detectors: ['default'] }] } };
/** Masking throughput in this process: MB/s of JSON text with the default detectors. */
async function maskingThroughput() {
  const masker = await compileMasker({
    detectors: expandDetectorNames(['default']),
    custom: [],
    replacement: { style: 'type', keepLast: 4 },
  });
  const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: TEXT }] } };
  const bytes = Buffer.byteLength(JSON.stringify(message));
  for (let i = 0; i < 3000; i++) masker.maskMessage(message);
  const n = 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) masker.maskMessage(message);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    bytesPerMessage: bytes,
    usPerMessage: round((seconds / n) * 1e6),
    mbPerSecond: round((bytes * n) / seconds / 1e6),
  };
}

async function timedCall(session) {
  const start = process.hrtime.bigint();
  await session.call('echo', { text: TEXT });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-cost-'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const stops = [];
try {
  const throughput = await maskingThroughput();
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  stops.push(() => upstream.process.kill());
  const stack = async (name, gatewayExtra, agentExtra) => {
    const started = await startAirlockStack({
      dir: join(dir, name),
      upstreamUrl: upstream.url,
      recording: recordingSection('off'),
      logLevel: 'warn',
      env,
      gatewayExtra,
      agentExtra,
    });
    stops.push(started.stop);
    return started;
  };
  const stacks = {
    off: await stack('off', NO_MASKING.gateway, NO_MASKING.agent),
    defaultMasking: await stack('default-masking', DEFAULT_DETECTORS.gateway, NO_MASKING.agent),
    masking: await stack('masking', ALL_DETECTORS.gateway, NO_MASKING.agent),
    guardrails: await stack('guardrails', { ...NO_MASKING.gateway, ...GUARDRAILS }, NO_MASKING.agent),
    approvalRules: await stack(
      'approval-rules',
      { ...NO_MASKING.gateway, ...APPROVAL_RULES },
      NO_MASKING.agent,
    ),
  };
  const paths = { direct: await openSession(upstream.url) };
  for (const [name, s] of Object.entries(stacks)) paths[name] = await openSession(s.url);
  const names = Object.keys(paths);
  const pidsOf = (name) =>
    name === 'direct'
      ? { upstream: upstream.process.child.pid }
      : {
          upstream: upstream.process.child.pid,
          gateway: stacks[name].pids.gateway,
          agent: stacks[name].pids.agent,
        };
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, { calls: 0, perRole: {} }]));
  const rounds = [];
  for (let i = 0; i < plan.warmup; i++) for (const name of names) await timedCall(paths[name]);
  for (let r = 0; r < plan.rounds; r++) {
    const order = names.map((_, k) => names[(k + r) % names.length]);
    const p50 = {};
    for (const name of order) {
      const settleUntil = performance.now() + plan.settleMs;
      while (performance.now() < settleUntil) await timedCall(paths[name]);
      const pids = pidsOf(name);
      const before = sampleCpu(pids);
      const block = new Float64Array(plan.block);
      for (let i = 0; i < plan.block; i++) block[i] = await timedCall(paths[name]);
      const used = cpuPerCall(before, sampleCpu(pids), 1);
      cpu[name].calls += plan.block;
      for (const [role, c] of Object.entries(used))
        cpu[name].perRole[role] = (cpu[name].perRole[role] ?? 0) + c.totalUs;
      samples[name].push(...block);
      p50[name] = percentile(Float64Array.from(block).sort(), 50);
    }
    rounds.push({
      round: r + 1,
      defaultMaskingP50: round(p50.defaultMasking - p50.off),
      maskingP50: round(p50.masking - p50.off),
      guardrailsP50: round(p50.guardrails - p50.off),
      approvalRulesP50: round(p50.approvalRules - p50.off),
    });
  }
  for (const session of Object.values(paths)) await session.close();

  const latency = Object.fromEntries(
    names.map((name) => {
      const sorted = Float64Array.from(samples[name]).sort();
      return [
        name,
        { calls: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) },
      ];
    }),
  );
  const cpuUsPerCall = Object.fromEntries(
    names.map((n) => [
      n,
      Object.fromEntries(
        Object.entries(cpu[n].perRole).map(([role, us]) => [role, Math.round(us / cpu[n].calls)]),
      ),
    ]),
  );
  const sortedMedian = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const result = {
    benchmark: 'policy-cost',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    plan,
    resultBytes: Buffer.byteLength(TEXT),
    maskingThroughput: throughput,
    latencyMs: latency,
    defaultMaskingAddsP50: round(latency.defaultMasking.p50 - latency.off.p50),
    maskingAddsP50: round(latency.masking.p50 - latency.off.p50),
    guardrailsAddsP50: round(latency.guardrails.p50 - latency.off.p50),
    approvalRulesAddsP50: round(latency.approvalRules.p50 - latency.off.p50),
    perRoundMedian: {
      defaultMasking: sortedMedian(rounds.map((r) => r.defaultMaskingP50)),
      masking: sortedMedian(rounds.map((r) => r.maskingP50)),
      guardrails: sortedMedian(rounds.map((r) => r.guardrailsP50)),
      approvalRules: sortedMedian(rounds.map((r) => r.approvalRulesP50)),
    },
    cpuUsPerCall,
    rounds,
    target: { maskingP50Ms: 0.1, guardrailsP50Ms: 0.05, approvalRulesP50Ms: 0.05, maskingMbPerSecond: 50 },
  };
  console.log(
    `\nPolicy cost: echo with a ${result.resultBytes}-byte text, ${plan.rounds} rounds × ${plan.block} calls per path, interleaved, recording off\n`,
  );
  console.log(
    '| path                    | p50 (ms) | p99 (ms) | × direct p50 | CPU µs/call (gateway, agent) |',
  );
  console.log(
    '|-------------------------|----------|----------|--------------|------------------------------|',
  );
  const label = {
    direct: 'direct',
    off: 'Airlock, policy off',
    defaultMasking: 'Airlock, default (18)',
    masking: 'Airlock, 20 detectors',
    guardrails: 'Airlock, 20 rules',
    approvalRules: 'Airlock, 10 approvals',
  };
  for (const name of names) {
    const l = latency[name];
    const c = cpuUsPerCall[name];
    console.log(
      `| ${label[name].padEnd(23)} | ${l.p50.toFixed(3).padStart(8)} | ${l.p99.toFixed(3).padStart(8)} | ${(l.p50 / latency.direct.p50).toFixed(2).padStart(12)} | ${name === 'direct' ? '-'.padEnd(28) : `${c.gateway ?? 0}, ${c.agent ?? 0}`.padEnd(28)} |`,
    );
  }
  console.log(
    `\nMasking adds ${result.defaultMaskingAddsP50} ms p50 with the default detectors (per-round median ${result.perRoundMedian.defaultMasking}), ${result.maskingAddsP50} ms with all 20 (per-round median ${result.perRoundMedian.masking}; target ≤ 0.1); guardrails add ${result.guardrailsAddsP50} ms p50 (per-round median ${result.perRoundMedian.guardrails}; target ≤ 0.05).`,
  );
  console.log(
    `Approval rules that do not match add ${result.approvalRulesAddsP50} ms p50 (per-round median ${result.perRoundMedian.approvalRules}; target ≤ 0.05).`,
  );
  console.log(
    `Masking throughput (default detectors, one core, this process): ${throughput.mbPerSecond} MB/s of JSON text, ${throughput.usPerMessage} µs per ${throughput.bytesPerMessage}-byte message (target ≥ 50 MB/s).`,
  );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `policy-cost-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`JSON: ${out}`);
} finally {
  await Promise.all(stops.map((stop) => stop()));
  rmSync(dir, { recursive: true, force: true });
}
