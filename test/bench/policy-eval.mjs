#!/usr/bin/env node
// What the gateway's guardrail policy costs per request in this process, without the relay around
// it: `evaluate` on the benchmark's `echo` tools/call, with no rules, the 20 guardrail rules and the
// 10 approval rules of policy-cost.mjs (none matches). The end-to-end figure (policy-cost.mjs) is
// the one that counts; this one resolves differences below its noise (about ±0.1 ms p50 there).
//
//   node test/bench/policy-eval.mjs [--calls 200000] [--runs 5]
//
// Needs `npx tsc -b`.
import { benchArgs } from './bench-args.mjs';
import { compileGuardrails, createGuardrailPolicy, guardrailsSchema } from '@airlock/core';
import { APPROVAL_RULES, GUARDRAILS } from './policy-rules.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: { calls: { type: 'string', default: '200000' }, runs: { type: 'string', default: '5' } },
});
const calls = Number(args.calls);
const runs = Number(args.runs);

const context = {
  sessionId: 'bench',
  connection: 'echo',
  caller: { subject: 'alice', email: 'alice@example.com', groups: ['engineers'] },
  era: 'legacy',
  protocolVersion: '2025-06-18',
};
const message = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { message: 'order 10000 | customer cus_2000 | shipped 2026-11-01' } },
};

const policies = {
  'no rules': createGuardrailPolicy(await compileGuardrails(guardrailsSchema.parse({ rules: [] }))),
  '20 guardrail rules': createGuardrailPolicy(
    await compileGuardrails(guardrailsSchema.parse(GUARDRAILS.guardrails)),
  ),
  '10 approval rules': createGuardrailPolicy(
    await compileGuardrails(guardrailsSchema.parse(APPROVAL_RULES.guardrails)),
  ),
};

function timeOne(policy) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const decision = policy.evaluate(context, message, 'client_to_server');
    if (decision.action !== 'pass') throw new Error(`expected pass, got ${decision.action}`);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

for (const policy of Object.values(policies)) timeOne(policy); // warm up
const samples = Object.fromEntries(Object.keys(policies).map((name) => [name, []]));
for (let run = 0; run < runs; run++) {
  for (const [name, policy] of Object.entries(policies)) samples[name].push(timeOne(policy));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Guardrail policy per request, ${runs} runs × ${calls} calls, median (range) in µs:`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(
    `  ${name.padEnd(20)} ${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`,
  );
}
