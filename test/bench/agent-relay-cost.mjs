#!/usr/bin/env node
// The agent's own CPU per relayed call, in this one process: the agent as the CLI composes it
// (createAgent, masking with the default detectors as a gateway asks by default, recording to a
// spool on disk with fsync as configured by default, the CLI's logger with its redaction, writing
// to /dev/null) takes 2025-era sessions from an in-memory tunnel stream and relays `tools/call
// echo` to the test kit's raw node:http echo, which runs as its own process. No gRPC: the tunnel's
// cost is tunnel-exchange-cost.mjs's; the spool's events are taken by a sink that accepts them, as
// a connected gateway would. CPU is this process's per call, so two builds compare on a busy
// machine where times and end-to-end throughput do not.
//
//   node test/bench/agent-relay-cost.mjs [--calls 4000] [--rounds 5] [--sessions 8]
//                                        [--text-bytes 200] [--out file.json]
//
// BENCH_AGENT_BUILD=<repository dir>: load the agent, core and recording from another worktree's
// build; run two builds one after the other, alternately. --sessions: sessions relayed at once,
// each calling in turn. --text-bytes: the size of the echoed text (masked on the way back).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs } from './bench-args.mjs';
import { startServerProcess, testkitBins } from '@airlock/testkit';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    calls: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '8' },
    'text-bytes': { type: 'string', default: '200' },
    out: { type: 'string' },
  },
});
const calls = Number(args.calls);
const rounds = Number(args.rounds);
const sessions = Number(args.sessions);
const textBytes = Number(args['text-bytes']);
if (![calls, rounds, sessions, textBytes].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('--calls, --rounds, --sessions and --text-bytes take positive whole numbers');
  process.exit(2);
}

const build = resolve(process.env.BENCH_AGENT_BUILD ?? new URL('../..', import.meta.url).pathname);
const load = (path) => import(pathToFileURL(join(build, path)).href);
const { createAgent } = await load('packages/agent/dist/agent.js');
const { startAgentRecording } = await load('packages/agent/dist/agent-recording.js');
const core = await load('packages/core/dist/index.js');
const { pino } = createRequire(join(build, 'packages/agent/package.json'))('pino');

const dir = mkdtempSync(join(tmpdir(), 'airlock-agent-cost-'));
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const upstream = await startServerProcess(testkitBins.rawEchoHttp, ['--port', '0'], { env });
const config = core.parseConfig(
  JSON.stringify({
    agent: {
      id: 'bench-agent',
      token: 'bench-agent-token-0123456789',
      gateways: [{ address: '127.0.0.1:1' }],
      dataDir: dir,
      connections: { echo: { transport: 'http', url: upstream.url } },
    },
  }),
);
// As the CLI's createLogger: every redact path, lines batched to a file (here /dev/null).
const logger = pino(
  {
    level: 'info',
    name: 'airlock-agent',
    redact: { paths: [...core.REDACTED_LOG_PATHS], censor: '[redacted]' },
  },
  pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }),
);
const recording = await startAgentRecording(
  config.agent,
  config.recording,
  async () => undefined,
  logger.child({ agentId: 'bench-agent' }),
);
const agent = createAgent(config.agent, {
  logger,
  tunnelFactory: () => ({ close() {}, connected: true }),
  recorder: recording.recorder,
  recording,
});
// The policy a gateway sends by default (decoded once per connection, frozen, as the tunnel does).
const masking = Object.freeze({
  detectors: Object.freeze(core.expandDetectorNames(['default'])),
  custom: Object.freeze([]),
  replacement: Object.freeze({ style: 'type', keepLast: 4 }),
});

/** A tunnel stream in memory: the bench plays the gateway; answers resolve the waiting call. */
function openSession(sessionId) {
  let handler;
  const held = [];
  const waiting = new Map();
  let ended = false;
  const stream = {
    sessionId,
    async send(data) {
      const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
      if (text === '') return;
      const message = JSON.parse(text);
      waiting.get(String(message.id))?.(message);
    },
    setHandler(h) {
      handler = h;
      for (const frame of held.splice(0)) h.onMessage(frame);
    },
    pause() {},
    resume() {},
    end() {
      ended = true;
    },
    get ended() {
      return ended;
    },
  };
  agent.handleSession(
    {
      sessionId,
      connection: 'echo',
      caller: { subject: 'alice', email: 'alice@example.com', groups: ['sre'], anonymous: false },
      era: 'legacy',
      protocolVersion: '2025-11-25',
      kind: 'session',
      forwardHeaders: {},
      masking,
    },
    stream,
  );
  const deliver = (message) => {
    const frame = { data: Buffer.from(JSON.stringify(message)) };
    if (handler) handler.onMessage(frame);
    else held.push(frame);
  };
  const request = (id, method, params) =>
    new Promise((resolve) => {
      waiting.set(String(id), resolve);
      deliver({ jsonrpc: '2.0', id, method, params });
    }).finally(() => waiting.delete(String(id)));
  return {
    request,
    notify: (method) => deliver({ jsonrpc: '2.0', method }),
    close: () => handler?.onEnd(undefined),
  };
}

const text = 'order 10000 | customer cus_2000 | shipped 2026-11-01 | '
  .repeat(Math.ceil(textBytes / 56))
  .slice(0, textBytes);
const open = [];
for (let s = 0; s < sessions; s++) {
  const session = openSession(`bench-${s}`);
  const init = await session.request(0, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'agent-relay-cost', version: '1' },
  });
  if (init.error) throw new Error(`initialize failed: ${JSON.stringify(init.error)}`);
  session.notify('notifications/initialized');
  open.push(session);
}

let nextId = 1;
async function run(total) {
  let done = 0;
  await Promise.all(
    open.map(async (session) => {
      while (done < total) {
        done++;
        const answer = await session.request(nextId++, 'tools/call', { name: 'echo', arguments: { text } });
        if (answer.error) throw new Error(`tools/call failed: ${JSON.stringify(answer.error)}`);
      }
    }),
  );
}

await run(Math.min(2000, calls)); // warm-up: V8 optimises, the pools fill
const results = [];
for (let r = 0; r < rounds; r++) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run(calls);
  const wallUs = Number(process.hrtime.bigint() - start) / 1000;
  const used = process.cpuUsage(cpu);
  results.push({ cpuUsPerCall: (used.user + used.system) / calls, wallUsPerCall: wallUs / calls });
  console.log(
    `round ${r + 1}: ${results.at(-1).cpuUsPerCall.toFixed(1)} µs CPU, ${results.at(-1).wallUsPerCall.toFixed(1)} µs wall per call`,
  );
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = {
  benchmark: 'agent-relay-cost',
  at: new Date().toISOString(),
  build,
  load: loadavg().map((l) => Math.round(l * 100) / 100),
  calls,
  sessions,
  textBytes,
  cpuUsPerCall: median(results.map((r) => r.cpuUsPerCall)),
  wallUsPerCall: median(results.map((r) => r.wallUsPerCall)),
  rounds: results,
};
console.log(
  `agent CPU per call (median of ${rounds}): ${summary.cpuUsPerCall.toFixed(1)} µs; load average ${summary.load.join(' ')}; build ${build}`,
);
if (args.out) writeFileSync(args.out, `${JSON.stringify(summary, null, 2)}\n`);

for (const session of open) session.close();
await agent.stop();
await recording.close();
await upstream.process.kill();
rmSync(dir, { recursive: true, force: true });
