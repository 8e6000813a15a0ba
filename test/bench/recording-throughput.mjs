#!/usr/bin/env node
// Recording throughput: how fast a spool full of events is delivered to each sink, in events/s.
//
//   node test/bench/recording-throughput.mjs [--quick] [--postgres] [--both-sides] [--only pglite,...]
//                                            [--agent-copies bare] [--modern-meta] [--out file.json]
//
// For each sink: a spool is filled with N events (100 sessions, ~0.8 KiB each, hash-chained as a
// recorder writes them), then one delivery pump (batches of 500, as in production) drains it into
// the sink, timed from start to the last acknowledgement. The spool append rate (the first step
// of every event) is measured in the same run as the reference. Sinks: PGlite (the embedded
// store) in clear and encrypted (local key file), PostgreSQL (server binaries on this machine,
// with --postgres) and Kinesis (kinesalite, in this process: its in-memory LevelDB is the ceiling,
// so the number is a lower bound of what the producer does against the real service).
// CPU per event is this process's CPU (all threads) during the drain divided by the events: the
// store's work plus reading the spool, what a gateway spends per stored event.
// --both-sides adds the agent's copy of every message (its own chain), as a gateway stores both;
// --agent-copies bare then leaves the message out of those copies: what storing the agent's copy
// of an identical message as a reference to the gateway's would save the store (a measurement of
// that design; Airlock stores both copies whole).
// --modern-meta: every request carries the protocol `_meta` a 2026-07-28 client sends (its protocol
// version, name, version and capabilities), which the store indexes for search once per session.
// Prints a table and writes a JSON file (default test/bench/results/recording-throughput-<time>.json).
// Needs `npx tsc -b`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { canonicalEventText, GENESIS_HASH } from '@airlock/core';
import {
  KinesisSink,
  kinesisDeliverySink,
  LocalKeyFileWrapper,
  PgliteStore,
  PostgresStore,
  sha256Hex,
  Spool,
  SpoolDelivery,
  storeDeliverySink,
} from '@airlock/recording';
import { startKinesalite, startPostgres } from '@airlock/testkit';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    quick: { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    'both-sides': { type: 'boolean', default: false },
    'agent-copies': { type: 'string', default: 'whole' },
    'modern-meta': { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});
if (!['whole', 'bare'].includes(args['agent-copies'])) {
  console.error(`--agent-copies takes whole or bare (got "${args['agent-copies']}").`);
  process.exit(2);
}
const plan = args.quick ? { events: 5_000, sessions: 50 } : { events: 50_000, sessions: 100 };
// Kinesis never leaves this machine; the SDK's chain must find these and never probe IMDS.
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDBENCHKINESALITE';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench-secret-not-real';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const root = mkdtempSync(join(tmpdir(), 'airlock-throughput-bench-'));
let dirs = 0;
const freshDir = (name) => join(root, `${name}-${(dirs += 1)}`);

/** What a 2026-07-28 client sends in every request's `_meta` (--modern-meta). */
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'relay-bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** N events over `sessions` sessions, interleaved as concurrent sessions are, each chain sound. */
function events() {
  const perSession = Math.ceil(plan.events / plan.sessions);
  const chains = Array.from({ length: plan.sessions }, (_, i) => ({
    id: `bench-${i}-${Math.random().toString(36).slice(2)}`,
    prev: GENESIS_HASH,
    agentSeq: 0,
    agentPrev: GENESIS_HASH,
  }));
  const out = [];
  for (let seq = 1; seq <= perSession && out.length < plan.events; seq += 1) {
    for (const chain of chains) {
      if (out.length >= plan.events) break;
      const base = {
        schema: 1,
        id: `${chain.id}-${seq}`,
        sessionId: chain.id,
        source: 'gateway',
        seq,
        at: new Date().toISOString(),
        identity: { subject: 'user-123', email: 'alice@example.com', groups: ['dev'] },
        connection: 'github',
        era: 'legacy',
        protocolVersion: '2025-06-18',
        prevHash: chain.prev,
      };
      const fields =
        seq === 1
          ? { kind: 'session_start', start: { clientInfo: { name: 'bench', version: '1' } } }
          : seq % 2 === 0
            ? {
                kind: 'message',
                direction: 'client_to_server',
                message: {
                  jsonrpc: '2.0',
                  id: seq,
                  method: 'tools/call',
                  params: {
                    name: 'search_issues',
                    arguments: { query: 'label:bug state:open', limit: 20 },
                    ...(args['modern-meta'] ? { _meta: MODERN_META } : {}),
                  },
                },
              }
            : {
                kind: 'message',
                direction: 'server_to_client',
                message: {
                  jsonrpc: '2.0',
                  id: seq - 1,
                  result: { content: [{ type: 'text', text: 'issue #1234: crash on start '.repeat(12) }] },
                },
              };
      const unsealed = { ...base, ...fields };
      const event = { ...unsealed, hash: sha256Hex(canonicalEventText(unsealed)) };
      chain.prev = event.hash;
      out.push(event);
      if (args['both-sides'] && fields.kind === 'message' && out.length < plan.events) {
        chain.agentSeq += 1;
        const mirrored = {
          ...unsealed,
          id: `${chain.id}-agent-${chain.agentSeq}`,
          source: 'agent',
          seq: chain.agentSeq,
          prevHash: chain.agentPrev,
        };
        // What storing the agent's copy of an identical message by reference could save: the same
        // event without its message (a measurement of that design, not a recording Airlock makes).
        if (args['agent-copies'] === 'bare') delete mirrored.message;
        const agentEvent = { ...mirrored, hash: sha256Hex(canonicalEventText(mirrored)) };
        chain.agentPrev = agentEvent.hash;
        out.push(agentEvent);
      }
    }
  }
  return out;
}

/** Fills a fresh spool (fsync never: the fill is not what is measured), returns it and the append rate. */
async function filledSpool(sinkName, encryption) {
  const spool = await Spool.open({
    dir: freshDir('spool'),
    sinks: [sinkName],
    fsync: 'interval',
    ...(encryption ? { encryption } : {}),
  });
  const list = events();
  const started = performance.now();
  const inFlight = 64;
  for (let i = 0; i < list.length; i += inFlight) {
    await Promise.all(list.slice(i, i + inFlight).map((e) => spool.append(e)));
  }
  await spool.flush();
  const seconds = (performance.now() - started) / 1000;
  return { spool, count: list.length, appendPerSecond: list.length / seconds };
}

/** Drains the spool into `sink` with one pump; events/s from start to the last acknowledgement. */
async function drain(spool, sink, count, batchSize) {
  const delivery = new SpoolDelivery({ spool, sink, batchSize, lingerMs: 0 });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  delivery.start();
  while (delivery.stats.delivered < count) {
    if (delivery.stats.failures > 0) throw new Error(`delivery to ${sink.name} failed`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await delivery.stop();
  return {
    eventsPerSecond: count / seconds,
    seconds,
    batches: delivery.stats.batches,
    cpuPerEventUs: (cpu.user + cpu.system) / count,
  };
}

const round = (n) => Math.round(n);
const results = [];

const wanted = args.only === undefined ? undefined : new Set(args.only.split(','));
const runs = (key) => wanted === undefined || wanted.has(key);

async function measure(name, sinkFactory, encryption, batchSize = 500) {
  const { sink, close } = await sinkFactory();
  try {
    const { spool, count, appendPerSecond } = await filledSpool(sink.name, encryption);
    const drained = await drain(spool, sink, count, batchSize);
    await spool.close();
    results.push({
      sink: name,
      events: count,
      spoolAppendPerSecond: round(appendPerSecond),
      deliveredPerSecond: round(drained.eventsPerSecond),
      seconds: Math.round(drained.seconds * 100) / 100,
      batches: drained.batches,
      batchSize,
      cpuPerEventUs: Math.round(drained.cpuPerEventUs * 10) / 10,
    });
    console.error(
      `  ${name}: ${round(drained.eventsPerSecond)} events/s, ${drained.cpuPerEventUs.toFixed(1)} µs CPU per event`,
    );
  } finally {
    await close();
  }
}

async function pgliteSink(encryption) {
  const store = await PgliteStore.open({
    dataDir: freshDir('pglite'),
    ...(encryption ? { encryption } : {}),
  });
  await store.migrate();
  return { sink: storeDeliverySink(store), close: () => store.close() };
}

let kinesalite;
let postgres;
try {
  const keyFile = join(root, 'recording.key');
  await LocalKeyFileWrapper.createKeyFile(keyFile);
  const wrapper = await LocalKeyFileWrapper.open(keyFile);

  if (runs('pglite')) await measure('pglite', () => pgliteSink(undefined));
  // What a busy gateway stores per batch: its pump lingers 50 ms, so at ~1,000 calls/s (4 events
  // each, both sides) a batch holds one to a few hundred events, from as many sessions as callers.
  if (runs('pglite-100'))
    await measure('pglite, batches of 100', () => pgliteSink(undefined), undefined, 100);
  if (runs('pglite-encrypted'))
    await measure('pglite (encrypted)', () => pgliteSink({ wrapper }), { wrapper });
  if (args.postgres && runs('postgres')) {
    postgres = await startPostgres();
    let n = 0;
    await measure('postgres', async () => {
      const store = PostgresStore.open({
        connectionString: await postgres.createDatabase(`bench_${(n += 1)}`),
      });
      await store.migrate();
      return { sink: storeDeliverySink(store), close: () => store.close() };
    });
  }
  if (runs('kinesis')) {
    kinesalite = await startKinesalite({ createStreamMs: 0 });
    await kinesalite.createStream('airlock-bench', 4);
    await measure('kinesis (kinesalite)', async () => {
      const producer = new KinesisSink({
        streamName: 'airlock-bench',
        region: kinesalite.region,
        endpoint: kinesalite.endpoint,
      });
      return { sink: kinesisDeliverySink(producer), close: async () => producer.close() };
    });
  }

  const result = {
    benchmark: 'recording-throughput',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    plan: { ...plan, bothSides: args['both-sides'], agentCopies: args['agent-copies'] },
    results,
  };
  console.log(
    `\nRecording throughput: ${plan.events} events (${plan.sessions} sessions, ~0.8 KiB) drained from a spool by one pump, batches of 500 unless named\n`,
  );
  console.log(
    '| sink                    | delivered events/s | CPU µs per event | seconds | spool appends/s (64 in flight) |',
  );
  console.log(
    '|-------------------------|--------------------|------------------|---------|--------------------------------|',
  );
  for (const r of results) {
    console.log(
      `| ${r.sink.padEnd(23)} | ${String(r.deliveredPerSecond).padStart(18)} | ${r.cpuPerEventUs.toFixed(1).padStart(16)} | ${r.seconds.toFixed(2).padStart(7)} | ${String(r.spoolAppendPerSecond).padStart(30)} |`,
    );
  }
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `recording-throughput-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
} finally {
  await kinesalite?.close();
  await postgres?.stop();
  rmSync(root, { recursive: true, force: true });
}
