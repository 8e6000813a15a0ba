#!/usr/bin/env node
// What sharing modern-era (2026-07-28) recording groups across gateways adds, on a real
// PostgreSQL, against the single gateway's in-memory groups in the same run:
//
//   join (one gateway)   a request joins its group: memory only, as a single gateway does
//   join (cluster)       the same with the group shared through the store, id cached (every
//                        request but a gateway's first of a group, or one near the deadline)
//   claim                a gateway's first request of a group: one INSERT … ON CONFLICT round trip
//   renew N groups       the batched statement each gateway runs per tick (off the request path)
//
//   node test/bench/modern-groups-cost.mjs [--joins 200000] [--claims 500] [--out file.json]
//
// Prints a table and writes a JSON file (default test/bench/results/modern-groups-<time>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { PostgresStore } from '@airlock/recording';
import { startPostgres } from '@airlock/testkit';
import { ModernSessionGroups } from '../../packages/gateway/dist/mcp/modern-session-groups.js';
import { percentile } from './mcp-load.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    joins: { type: 'string', default: '200000' },
    claims: { type: 'string', default: '500' },
    out: { type: 'string' },
  },
});
const joins = Number(args.joins);
const claims = Number(args.claims);
const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const silent = { warn() {}, info() {}, child: () => silent };
const caller = { subject: 'alice', groups: ['engineering'], anonymous: false };
const message = (client) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', _meta: { 'io.modelcontextprotocol/clientInfo': { name: client, version: '1' } } },
});

/** CPU µs per join + release, over `joins` requests spread across 100 clients. */
async function joinCost(groups) {
  const messages = Array.from({ length: 100 }, (_, i) => message(`client-${i}`));
  for (const m of messages) (await groups.join(caller, 'billing', m, 'modern', '2026-07-28')).release();
  const before = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < joins; i++) {
    const joined = await groups.join(caller, 'billing', messages[i % 100], 'modern', '2026-07-28');
    joined.release();
  }
  const cpu = process.cpuUsage(before);
  return {
    cpuUsPerJoin: round((cpu.user + cpu.system) / joins),
    wallUsPerJoin: round(((performance.now() - started) * 1000) / joins),
  };
}

const loadBefore = loadavg()[0];
const postgres = await startPostgres();
const store = PostgresStore.open({ connectionString: await postgres.createDatabase('bench') });
try {
  await store.migrate();
  const local = new ModernSessionGroups(300_000, () => undefined);
  const shared = new ModernSessionGroups(300_000, () => undefined, {
    store: store.modernGroups,
    chain: 'bench000',
    logger: silent,
  });
  const joinLocal = await joinCost(local);
  const joinShared = await joinCost(shared);
  const claimsDuringJoins = shared.storeClaims;
  local.closeAll('gateway_shutdown');
  shared.closeAll('gateway_shutdown');

  const claimMs = [];
  for (let i = 0; i < claims; i++) {
    const started = performance.now();
    await store.modernGroups.claimModernGroup(`bench-key-${i}`, `bench-session-${i}`, 300_000);
    claimMs.push(performance.now() - started);
  }
  claimMs.sort((a, b) => a - b);

  const renew = {};
  for (const n of [1, 100, 1000]) {
    const refs = Array.from({ length: n }, (_, i) => ({
      key: `bench-key-${i}`,
      sessionId: `bench-session-${i}`,
    }));
    const times = [];
    for (let r = 0; r < 20; r++) {
      const started = performance.now();
      const renewed = await store.modernGroups.renewModernGroups(refs, 300_000);
      times.push(performance.now() - started);
      if (renewed.size !== Math.min(n, claims)) throw new Error(`renewed ${renewed.size} of ${n}`);
    }
    times.sort((a, b) => a - b);
    renew[n] = { p50Ms: round(percentile(times, 50)), p90Ms: round(percentile(times, 90)) };
  }
  const loadAfter = loadavg()[0];

  const result = {
    benchmark: 'modern-groups-cost',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    loadAverage: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
    joins,
    join: { oneGateway: joinLocal, cluster: joinShared, clusterStoreClaims: claimsDuringJoins },
    claim: {
      calls: claims,
      p50Ms: round(percentile(claimMs, 50)),
      p90Ms: round(percentile(claimMs, 90)),
      p99Ms: round(percentile(claimMs, 99)),
    },
    renewMs: renew,
  };
  console.log(
    `\nModern-era recording groups: ${joins} joins over 100 clients; ${claims} claims; PostgreSQL on loopback; load average ${result.loadAverage.before} → ${result.loadAverage.after}\n`,
  );
  console.log('| what                  | figure                                   |');
  console.log('|-----------------------|------------------------------------------|');
  console.log(`| join (one gateway)    | ${`${joinLocal.cpuUsPerJoin} µs CPU per request`.padEnd(40)} |`);
  console.log(
    `| join (cluster, cached)| ${`${joinShared.cpuUsPerJoin} µs CPU per request, ${claimsDuringJoins} claims`.padEnd(40)} |`,
  );
  console.log(
    `| claim (first request) | ${`p50 ${result.claim.p50Ms} ms, p90 ${result.claim.p90Ms}, p99 ${result.claim.p99Ms}`.padEnd(40)} |`,
  );
  for (const [n, r] of Object.entries(renew))
    console.log(
      `| ${`renew ${n} groups`.padEnd(21)} | ${`p50 ${r.p50Ms} ms, p90 ${r.p90Ms} ms per tick`.padEnd(40)} |`,
    );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `modern-groups-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
} finally {
  await store.close();
  await postgres.stop();
}
