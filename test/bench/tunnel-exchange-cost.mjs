#!/usr/bin/env node
// What the tunnel itself costs a 2026-07-28 exchange against a 2025-era call in a session: the
// gateway's TunnelServer and the agent's TunnelClient in this one process over loopback gRPC (TLS,
// standby streams as configured), an echo on the agent side, no MCP, recording or masking around
// them. A call in a session is one message each way on a stream opened once; an exchange takes a
// standby stream (or opens one), sends its OpenSession (with a masking policy, as the gateway
// does), one message each way and the End (riding on the answer where both sides support it, an
// End each way otherwise), and puts the stream back. CPU is this process's
// (both roles together) per call, so two builds compare on a busy machine where times do not.
//
//   node test/bench/tunnel-exchange-cost.mjs [--calls 4000] [--rounds 5] [--concurrency 1]
//                                            [--standby-streams 16] [--out file.json]
//
// BENCH_TUNNEL_BUILD=<repository dir>: load @airlock/tunnel from another worktree's build, to run
// two builds alternately. Prints, per round, CPU µs and wall µs per session call and per
// exchange, and the medians; --out writes them as JSON.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { benchArgs } from './bench-args.mjs';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    calls: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
    'standby-streams': { type: 'string', default: '16' },
    out: { type: 'string' },
  },
});
const calls = Number(args.calls);
const rounds = Number(args.rounds);
const concurrency = Number(args.concurrency);
const standbyStreams = Number(args['standby-streams']);
for (const [name, n] of Object.entries({ calls, rounds, concurrency })) {
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number above 0`);
    process.exit(2);
  }
}

const build = process.env.BENCH_TUNNEL_BUILD;
const tunnelUrl = build
  ? pathToFileURL(`${build}/packages/tunnel/dist/index.js`).href
  : new URL('../../packages/tunnel/dist/index.js', import.meta.url).href;
const {
  createSelfSignedCertificate,
  EnrolledAgentAuthenticator,
  hashAgentToken,
  TunnelClient,
  TunnelServer,
} = await import(tunnelUrl);

const AGENT_ID = 'bench-agent';
const TOKEN = 'alk_bench-token-0123456789abcdefghijklmnop';
const quiet = pino({ level: 'warn' });
const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });

const server = await TunnelServer.listen({
  host: '127.0.0.1',
  port: 0,
  tls: { cert: Buffer.from(cert), key: Buffer.from(key) },
  gatewayId: 'gw-bench',
  authenticator: new EnrolledAgentAuthenticator([
    { id: AGENT_ID, tokenSha256: hashAgentToken(TOKEN), connections: [] },
  ]),
  logger: quiet,
  standbyStreams,
});
const client = new TunnelClient({
  address: `127.0.0.1:${server.port}`,
  tls: { ca: Buffer.from(cert), serverName: 'localhost' },
  agentId: AGENT_ID,
  token: TOKEN,
  version: 'bench',
  connections: [{ name: 'echo', transport: 'http', eras: ['legacy', 'modern'] }],
  logger: quiet,
  onSession: (request, stream) => {
    const exchange = request.kind === 'exchange';
    stream.setHandler({
      onMessage: (message) => {
        void stream
          // An exchange's answer is its last message: the End may ride on it, as the agent's does.
          .send(message.data, { relatedRequest: message.relatedRequest, ...(exchange ? { last: true } : {}) })
          .then(() => {
            // An exchange's agent ends it once the answer is sent, as the agent's upstream does.
            if (exchange) stream.end();
          })
          .catch(() => undefined);
      },
      onEnd: () => stream.end(),
    });
  },
});
client.start();
await new Promise((resolve) => client.once('connected', resolve));
await new Promise((resolve) => setTimeout(resolve, 300));

const masking = Object.freeze({
  detectors: Object.freeze(['aws_access_key_id', 'email', 'credit_card', 'private_key']),
  custom: Object.freeze([]),
  replacement: Object.freeze({ style: 'type', keepLast: 4 }),
});
const request = (sessionId, kind) => ({
  sessionId,
  connection: 'echo',
  caller: { subject: 'user-1', email: 'u@example.com', groups: ['eng'], anonymous: false },
  era: kind === 'exchange' ? 'modern' : 'legacy',
  protocolVersion: kind === 'exchange' ? '2026-07-28' : '2025-11-25',
  kind,
  forwardHeaders: {},
  masking,
});
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello' } },
});

/** One reply per send on a stream; resolves with the next message, or rejects when it ends. */
function replies(stream) {
  const waiting = [];
  let ended;
  stream.setHandler({
    onMessage: () => waiting.shift()?.resolve(),
    onEnd: (failure) => {
      ended = failure ?? new Error('ended');
      for (const w of waiting.splice(0)) w.reject(ended);
    },
  });
  return () =>
    new Promise((resolve, reject) => {
      if (ended) reject(ended);
      else waiting.push({ resolve, reject });
    });
}

let sequence = 0;
async function sessionWorker(n) {
  const stream = await server.openSession(request(`s-${sequence++}`, 'session'));
  const next = replies(stream);
  for (let i = 0; i < n; i++) {
    const reply = next();
    await stream.send(body, { relatedRequest: String(i) });
    await reply;
  }
  stream.end();
}
async function exchangeWorker(n) {
  for (let i = 0; i < n; i++) {
    const stream = await server.openSession(request(`x-${sequence++}`, 'exchange'));
    const reply = replies(stream)();
    await stream.send(body, { relatedRequest: '1' });
    await reply;
    stream.end();
  }
}

async function measure(worker) {
  const per = Math.ceil(calls / concurrency);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => worker(per)));
  const wallUs = (performance.now() - started) * 1000;
  const used = process.cpuUsage(cpu);
  const total = per * concurrency;
  return { cpuUs: (used.user + used.system) / total, wallUs: wallUs / total };
}

const round1 = (x) => Math.round(x * 10) / 10;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Warm-up: V8 optimises both paths before anything is counted.
await measure(sessionWorker);
await measure(exchangeWorker);
const results = { session: [], exchange: [] };
for (let r = 0; r < rounds; r++) {
  // Alternate the order so drift hits both alike.
  const order = r % 2 === 0 ? ['session', 'exchange'] : ['exchange', 'session'];
  for (const kind of order)
    results[kind].push(await measure(kind === 'session' ? sessionWorker : exchangeWorker));
}
const summary = Object.fromEntries(
  Object.entries(results).map(([kind, rs]) => [
    kind,
    {
      cpuUsMedian: round1(median(rs.map((x) => x.cpuUs))),
      wallUsMedian: round1(median(rs.map((x) => x.wallUs))),
      rounds: rs.map((x) => ({ cpuUs: round1(x.cpuUs), wallUs: round1(x.wallUs) })),
    },
  ]),
);
const agent = server.agents()[0];
const result = {
  benchmark: 'tunnel-exchange-cost',
  at: new Date().toISOString(),
  build: build ?? 'this worktree',
  loadAverage: loadavg().map((l) => round1(l)),
  plan: { calls, rounds, concurrency, standbyStreams },
  standbyReuses: agent?.standbyReuses,
  summary,
};
console.log(
  `tunnel exchange cost (${build ?? 'this worktree'}; ${calls} calls × ${rounds} rounds, concurrency ${concurrency}, standby ${standbyStreams}, load ${result.loadAverage.join(' ')})`,
);
for (const [kind, s] of Object.entries(summary))
  console.log(
    `  ${kind.padEnd(8)} CPU ${String(s.cpuUsMedian).padStart(7)} µs/call, wall ${String(s.wallUsMedian).padStart(7)} µs/call (rounds: ${s.rounds.map((x) => x.cpuUs).join(', ')})`,
  );
console.log(
  `  exchange − session: CPU ${round1(summary.exchange.cpuUsMedian - summary.session.cpuUsMedian)} µs/call; reuses ${agent?.standbyReuses}`,
);
if (args.out) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
await client.stop();
await server.close({ graceMs: 200 });
