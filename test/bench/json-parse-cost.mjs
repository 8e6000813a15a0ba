#!/usr/bin/env node
// What the bounded, duplicate-key-refusing parse (parseUntrustedJson: JSON.parse plus one linear
// scan) costs against bare JSON.parse, on the two shapes that matter: a typical ~1 KB tools/call
// body (every request) and a ~1 MB tools/call result (large answers). Both run in the same
// process, interleaved per round, so they see the same machine.
//
//   node test/bench/json-parse-cost.mjs [--rounds 10] [--out file.json]
//
// Needs `node scripts/pnpm.mjs run build`.
import { writeFileSync } from 'node:fs';
import { benchArgs } from './bench-args.mjs';
import { parseUntrustedJson } from '@airlock/core';

const { values: args } = benchArgs(import.meta.url, {
  options: { rounds: { type: 'string', default: '10' }, out: { type: 'string' } },
});
const rounds = Number(args.rounds);

const call = JSON.stringify({
  jsonrpc: '2.0',
  id: 42,
  method: 'tools/call',
  params: {
    name: 'query_database',
    arguments: {
      sql: 'SELECT id, email, created_at FROM customers WHERE region = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50',
      params: ['eu-west-1', '2025-01-01T00:00:00Z'],
      options: { timeoutMs: 5000, readOnly: true, explain: false, tags: ['report', 'weekly', 'customers'] },
      note: 'Weekly customer report for the growth team; see ticket OPS-1234. '.repeat(6),
    },
    _meta: { progressToken: 'p-42', 'io.modelcontextprotocol/protocolVersion': '2025-11-25' },
  },
});

const rows = [];
for (let i = 0; rows.length * 120 < 1_000_000; i++) {
  rows.push({
    id: i,
    email: `customer${i}@example.com`,
    created_at: '2025-03-01T12:00:00Z',
    region: 'eu-west-1',
    flags: [i % 2 === 0, i % 3 === 0],
  });
}
const result = JSON.stringify({
  jsonrpc: '2.0',
  id: 42,
  result: {
    content: [{ type: 'text', text: `${rows.length} rows` }],
    structuredContent: { rows },
  },
});

function timePerParse(parse, text, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) parse(text);
  return Number(process.hrtime.bigint() - start) / iterations / 1000; // µs
}

const parsers = {
  'JSON.parse': (text) => JSON.parse(text),
  parseUntrustedJson: (text) => parseUntrustedJson(text),
};
const cases = [
  { name: `tools/call body (${call.length} B)`, text: call, iterations: 20_000 },
  { name: `tools/call result (${(result.length / 1e6).toFixed(2)} MB)`, text: result, iterations: 20 },
];

const table = [];
for (const c of cases) {
  for (const parse of Object.values(parsers)) timePerParse(parse, c.text, Math.ceil(c.iterations / 4)); // warm up
  const samples = Object.fromEntries(Object.keys(parsers).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, parse] of Object.entries(parsers))
      samples[name].push(timePerParse(parse, c.text, c.iterations));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(samples['JSON.parse']);
  for (const name of Object.keys(parsers)) {
    const us = median(samples[name]);
    table.push({
      case: c.name,
      parser: name,
      'µs per parse (median)': Number(us.toFixed(2)),
      'x JSON.parse': Number((us / base).toFixed(2)),
    });
  }
}
console.table(table);
if (args.out)
  writeFileSync(args.out, `${JSON.stringify({ rounds, node: process.version, table }, null, 2)}\n`);
