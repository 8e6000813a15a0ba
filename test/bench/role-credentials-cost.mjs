#!/usr/bin/env node
// What a per-person IAM role adds to a stdio session start: the agent's StdioConnector spawns the
// kitchen-sink server and answers `initialize`, with the agent's own credentials (`noRole`), with
// a role whose credentials are cached for the person (`roleHit`), and with a role assumed for a
// new person each time (`roleMiss`: one STS AssumeRole over loopback to the in-process STS, the
// real @aws-sdk/client-sts). Paths are interleaved per round so they share the machine's moments.
// The STS here answers in microseconds: against real STS add its round trip (tens of ms) to a miss.
//
//   node test/bench/role-credentials-cost.mjs [--rounds 10] [--block 5] [--out file.json]
//
// Needs `npx tsc -b`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchArgs } from './bench-args.mjs';
import { fixedCredentials, RoleCredentials, StdioConnector } from '@airlock/agent';
import { parseConfig } from '@airlock/core';
import { startFakeSts, testkitBins } from '@airlock/testkit';
import { pino } from 'pino';
import { percentile } from './mcp-load.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    rounds: { type: 'string', default: '10' },
    block: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const block = Number(args.block);
const ROLE = 'arn:aws:iam::123456789012:role/bench';

const sts = await startFakeSts();
const logger = pino({ enabled: false });
const own = fixedCredentials({ accessKeyId: 'AKIABENCHAGENTKEY001', secretAccessKey: 'bench-agent-secret' });
const connectorFor = (aws) => {
  const config = parseConfig(
    JSON.stringify({
      agent: {
        id: 'bench',
        token: 'alk_0123456789abcdef0123',
        gateways: [{ address: '127.0.0.1:1' }],
        connections: {
          bench: { transport: 'stdio', command: process.execPath, args: [testkitBins.kitchenSinkStdio], aws },
        },
      },
    }),
  ).agent.connections.bench;
  const roles = new RoleCredentials({ source: own, logger });
  return { connector: new StdioConnector({ name: 'bench', config, credentials: own, roles, logger }), roles };
};
const paths = {
  noRole: connectorFor({ inject: true, region: 'eu-west-1' }),
  roleHit: connectorFor({ inject: true, region: 'eu-west-1', roleArn: ROLE, stsEndpoint: sts.endpoint }),
  roleMiss: connectorFor({ inject: true, region: 'eu-west-1', roleArn: ROLE, stsEndpoint: sts.endpoint }),
};

let people = 0;
async function sessionStart(path) {
  const subject = path === 'roleMiss' ? `person-${++people}` : 'alice';
  const request = {
    kind: 'session',
    era: 'legacy',
    protocolVersion: '2025-11-25',
    sessionId: `bench-${people}-${Math.random()}`,
    connection: 'bench',
    caller: { subject, groups: [], anonymous: false },
    forwardHeaders: {},
  };
  let answered;
  const initialized = new Promise((resolve, reject) => {
    answered = { resolve, reject };
  });
  const started = performance.now();
  const session = paths[path].connector.open(request, {
    message: async (message) => answered.resolve(message),
    awsCredentials: async () => undefined,
    end: (failure) => (failure ? answered.reject(failure) : undefined),
  });
  await session.send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  await initialized;
  const ms = performance.now() - started;
  await session.close();
  return ms;
}

const samples = { noRole: [], roleHit: [], roleMiss: [] };
try {
  await sessionStart('roleHit'); // fills alice's cache entry (and warms the STS client)
  await sessionStart('noRole');
  const order = Object.keys(samples);
  for (let round = 0; round < rounds; round++) {
    const rotated = [...order.slice(round % 3), ...order.slice(0, round % 3)];
    for (const path of rotated) for (let i = 0; i < block; i++) samples[path].push(await sessionStart(path));
  }
  const summary = {};
  for (const [path, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    summary[path] = {
      n: sorted.length,
      p50: Number(percentile(sorted, 50).toFixed(2)),
      p95: Number(percentile(sorted, 95).toFixed(2)),
    };
  }
  // The credential step alone, where the spawn's noise does not drown it.
  const step = { ownCredentials: [], roleHit: [], roleMiss: [] };
  const role = {
    roleArn: ROLE,
    durationSeconds: 900,
    sourceIdentity: true,
    sessionTags: true,
    region: 'eu-west-1',
    stsEndpoint: sts.endpoint,
  };
  const stepRoles = new RoleCredentials({ source: own, logger });
  const ask = (subject) =>
    stepRoles.forSession({
      connection: 'bench',
      role,
      caller: { subject, groups: [], anonymous: false },
      sessionId: 's',
    });
  await ask('alice');
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    await own.current(2000);
    step.ownCredentials.push(performance.now() - t);
    t = performance.now();
    await ask('alice');
    step.roleHit.push(performance.now() - t);
    t = performance.now();
    await ask(`step-person-${i}`);
    step.roleMiss.push(performance.now() - t);
  }
  stepRoles.close();
  const credentialStepMs = {};
  for (const [path, values] of Object.entries(step)) {
    const sorted = [...values].sort((a, b) => a - b);
    credentialStepMs[path] = {
      n: sorted.length,
      p50: Number(percentile(sorted, 50).toFixed(3)),
      p95: Number(percentile(sorted, 95).toFixed(3)),
    };
  }
  const result = {
    at: new Date().toISOString(),
    credentialStepMs,
    plan: { rounds, block },
    stsCalls: sts.calls.length,
    sessionStartMs: summary,
    roleHitAddsP50: Number((summary.roleHit.p50 - summary.noRole.p50).toFixed(2)),
    roleMissAddsP50: Number((summary.roleMiss.p50 - summary.noRole.p50).toFixed(2)),
  };
  console.log('stdio session start (spawn + initialize answered), ms');
  console.log('path       n     p50      p95');
  for (const [path, s] of Object.entries(summary)) {
    console.log(`${path.padEnd(10)} ${String(s.n).padEnd(5)} ${String(s.p50).padEnd(8)} ${s.p95}`);
  }
  console.log('\ncredential step alone (n=200 each), ms');
  for (const [path, s] of Object.entries(credentialStepMs)) {
    console.log(`${path.padEnd(14)} p50 ${String(s.p50).padEnd(8)} p95 ${s.p95}`);
  }
  console.log(
    `\nA cached role adds ${result.roleHitAddsP50} ms p50; assuming it (STS on loopback) adds ${result.roleMissAddsP50} ms p50. STS calls: ${result.stsCalls}.`,
  );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `role-credentials-cost-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`JSON: ${out}`);
} finally {
  for (const { roles, connector } of Object.values(paths)) {
    roles.close();
    await connector.close();
  }
  await sts.close();
}
