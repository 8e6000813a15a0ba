#!/usr/bin/env node
// Multi-gateway benchmark: an echo tool called through a round-robin load balancer (no
// stickiness) in front of one gateway and in front of three gateways sharing one PostgreSQL, side
// by side in one run, plus the direct path and the cost of a forwarded call (a session's request
// sent to a gateway that does not own it, which streams it to the owner), over plain HTTP on
// loopback and over mutual TLS (a second cluster of two gateways with gateway.cluster.tls, on its
// own database). Upstream, PostgreSQL, each gateway, the agent and each balancer run as their own
// processes on this machine.
//
//   node test/bench/multi-gateway.mjs [--quick] [--log-level warn] [--out file.json]
//
// Paths:
//   direct      client → upstream
//   lb→1 gw     client → balancer → gateway 0 → agent → upstream
//   lb→3 gw     client → balancer → any of 3 gateways (2 in 3 requests forwarded to the owner) → ...
//   owner       client → the session's owner gateway directly (no balancer)
//   forwarded   client → a gateway that does not own the session → owner → ...
//   owner tls, forwarded tls: the same two, in the cluster whose gateways forward over mutual TLS
//   modern direct   a 2026-07-28 client (v2 SDK, stateless requests) → its upstream
//   modern gw       the same through gateway 0 alone (its recording group agreed in the store)
//   modern lb→3     the same through the balancer: each request on the next gateway, none forwarded,
//                   one recording session with a chain per gateway
//
// Prints a table and writes a JSON file (default test/bench/results/multi-gateway-<time>.json).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { benchArgs } from './bench-args.mjs';
import { startPostgres, startServerProcess, testkitBins } from '@airlock/testkit';
import {
  createCertificateAuthority,
  createSelfSignedCertificate,
  generateAgentToken,
  hashAgentToken,
} from '@airlock/tunnel';
import {
  joinSession,
  measureLatency,
  measureThroughput,
  openModernSession,
  openSession,
} from './mcp-load.mjs';
import { cpuPerCall, settledCpu } from './process-cpu.mjs';

const { values: args } = benchArgs(import.meta.url, {
  options: {
    quick: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string' },
  },
});
const plan = args.quick
  ? { warmup: 50, calls: 200, concurrency: 16, durationMs: 1000, warmupMs: 300 }
  : { warmup: 500, calls: 2000, concurrency: 32, durationMs: 5000, warmupMs: 1000 };
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const BALANCER = new URL('./round-robin-balancer.mjs', import.meta.url).pathname;
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-cluster-'));
const stops = [];
const pids = {};
const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Starts a child process (logs to a file) and resolves with its JSON "ready" line. */
function start(name, argv, cwd = dir) {
  const log = openSync(join(dir, `${name}.log`), 'w');
  const child = spawn(process.execPath, argv, { env, cwd, stdio: ['ignore', 'pipe', log] });
  pids[name] = child.pid;
  stops.push(
    () =>
      new Promise((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')),
      ),
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.includes('"ready"')) resolve(JSON.parse(line));
    });
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code}; see ${join(dir, `${name}.log`)}`)),
    );
  });
}

let postgres;
try {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase('bench');
  const upstream = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0'], { env });
  stops.push(() => upstream.process.kill());
  pids.upstream = upstream.process.child.pid;
  const modernUpstream = await startServerProcess(testkitBins.modernHttp, ['--port', '0'], { env });
  stops.push(() => modernUpstream.process.kill());
  pids.modernUpstream = modernUpstream.process.child.pid;

  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key);
  writeFileSync(join(dir, 'cluster.secret'), randomBytes(32).toString('hex'), { mode: 0o600 });
  const token = generateAgentToken();
  const recording = { recording: { store: { kind: 'postgres', connectionString: databaseUrl } } };
  // The mutual-TLS cluster: its own database (its own peer list), each gateway its own certificate.
  const tlsDatabaseUrl = await postgres.createDatabase('bench_tls');
  const clusterCa = await createCertificateAuthority('bench cluster CA');
  writeFileSync(join(dir, 'cluster-ca.pem'), clusterCa.cert);

  /** Gateway `name`, in the plain cluster or (with `tls`) the mutual-TLS one. */
  async function startGateway(name, tls) {
    let cluster = { listen: { host: '127.0.0.1', port: 0 }, secretFile: 'cluster.secret' };
    if (tls) {
      const pair = await clusterCa.issue(['127.0.0.1']);
      writeFileSync(join(dir, `${name}.crt`), pair.cert);
      writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
      cluster = {
        ...cluster,
        tls: { certFile: `${name}.crt`, keyFile: `${name}.key`, caFile: 'cluster-ca.pem' },
      };
    }
    writeFileSync(
      join(dir, `${name}.yaml`),
      JSON.stringify({
        logging: { level: args['log-level'] },
        recording: { store: { kind: 'postgres', connectionString: tls ? tlsDatabaseUrl : databaseUrl } },
        gateway: {
          id: `bench-${name}`,
          listen: { host: '127.0.0.1', port: 0 },
          dataDir: `${name}-state`,
          tunnel: {
            listen: { host: '127.0.0.1', port: 0 },
            tls: { certFile: 'tunnel.crt', keyFile: 'tunnel.key' },
          },
          agents: [
            { id: 'bench-agent', tokenSha256: hashAgentToken(token), connections: ['echo', 'modern'] },
          ],
          cluster,
        },
      }),
    );
    return start(name, [AIRLOCK, 'gateway', '--config', join(dir, `${name}.yaml`)]);
  }

  const gateways = [];
  for (let i = 0; i < 3; i++) gateways.push(await startGateway(`gateway${i}`, false));
  const tlsGateways = [];
  for (let i = 0; i < 2; i++) tlsGateways.push(await startGateway(`tlsGateway${i}`, true));
  writeFileSync(
    join(dir, 'agent.yaml'),
    JSON.stringify({
      logging: { level: args['log-level'] },
      ...recording,
      agent: {
        id: 'bench-agent',
        token,
        dataDir: 'agent-state',
        gateways: [...gateways, ...tlsGateways].map((g) => ({
          address: `127.0.0.1:${g.tunnelPort}`,
          caFile: 'tunnel.crt',
          serverName: 'localhost',
        })),
        connections: {
          echo: { transport: 'http', url: upstream.url },
          modern: { transport: 'http', url: modernUpstream.url, eras: ['modern'] },
        },
      },
    }),
  );
  await start('agent', [AIRLOCK, 'agent', '--config', join(dir, 'agent.yaml')]);
  const one = await start('balancer1', [BALANCER, gateways[0].url]);
  const three = await start('balancer3', [BALANCER, ...gateways.map((g) => g.url)]);

  /** A session through `url`, once the agent serves `echo` on every gateway (it dials asynchronously). */
  async function session(url) {
    for (let attempt = 0; ; attempt++) {
      try {
        const s = await openSession(url);
        await s.call('echo', { text: 'ready?' });
        return s;
      } catch (error) {
        if (attempt > 200) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  /** A 2026-07-28 caller through `url`, once its first call is answered. */
  async function modernSession(url) {
    for (let attempt = 0; ; attempt++) {
      try {
        const s = await openModernSession(url);
        await s.call('echo', { text: 'ready?' });
        return s;
      } catch (error) {
        if (attempt > 200) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  // Every gateway must serve the agent before the balanced paths are measured.
  for (const g of [...gateways, ...tlsGateways]) await (await session(`${g.url}/mcp/echo`)).close();
  for (const g of gateways) await (await modernSession(`${g.url}/mcp/modern`)).close();

  const owner = await session(`${gateways[0].url}/mcp/echo`);
  const tlsOwner = await session(`${tlsGateways[0].url}/mcp/echo`);
  const paths = {
    direct: await session(upstream.url),
    'lb→1 gw': await session(`${one.url}/mcp/echo`),
    'lb→3 gw': await session(`${three.url}/mcp/echo`),
    owner,
    // The same session as `owner`, its requests sent to gateway 1: every call is forwarded to gateway 0.
    forwarded: joinSession(`${gateways[1].url}/mcp/echo`, owner),
    'owner tls': tlsOwner,
    // Every call reaches the TLS cluster's gateway 1 and is forwarded over mutual TLS to gateway 0.
    'forwarded tls': joinSession(`${tlsGateways[1].url}/mcp/echo`, tlsOwner),
    'modern direct': await modernSession(modernUpstream.url),
    'modern gw': await modernSession(`${gateways[0].url}/mcp/modern`),
    'modern lb→3': await modernSession(`${three.url}/mcp/modern`),
  };

  const latency = {};
  const cpu = {};
  // Each path from quiet to quiet: what it leaves (the store catching up) counts towards it.
  for (const [name, s] of Object.entries(paths)) {
    const before = (await settledCpu(pids)).sample;
    latency[name] = await measureLatency(s, plan);
    cpu[name] = cpuPerCall(before, (await settledCpu(pids)).sample, plan.calls + plan.warmup);
  }
  const throughput = {};
  const cpuLoaded = {};
  for (const [name, s] of Object.entries(paths)) {
    const before = (await settledCpu(pids)).sample;
    throughput[name] = await measureThroughput(s, plan);
    const calls = throughput[name].callsPerSecond * ((plan.durationMs + plan.warmupMs) / 1000);
    cpuLoaded[name] = cpuPerCall(before, (await settledCpu(pids)).sample, calls);
  }
  await paths.forwarded.close();
  await paths['forwarded tls'].close();
  for (const [name, s] of Object.entries(paths))
    if (!name.startsWith('forwarded')) await s.close().catch(() => undefined);

  const totalCpu = (perRole) =>
    Object.entries(perRole)
      .filter(([role]) => role !== 'loadGenerator')
      .reduce((sum, [, c]) => sum + c.totalUs, 0);
  const result = {
    benchmark: 'multi-gateway-echo',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    plan,
    logLevel: args['log-level'],
    recording: 'on (spool, PostgreSQL store shared by the gateways)',
    latencyMs: latency,
    throughput,
    cpuMicrosecondsPerCall: { sequential: cpu, loaded: cpuLoaded },
    summary: {
      addedP50VsDirect: Object.fromEntries(
        Object.keys(paths).map((p) => [p, round(latency[p].p50 - latency.direct.p50)]),
      ),
      forwardedCallAddsP50Ms: round(latency.forwarded.p50 - latency.owner.p50),
      modernAcrossGatewaysAddsP50Ms: round(latency['modern lb→3'].p50 - latency['modern gw'].p50),
      forwardedCallAddsCpuUs: totalCpu(cpu.forwarded) - totalCpu(cpu.owner),
      forwardedCallAddsCpuUsLoaded: totalCpu(cpuLoaded.forwarded) - totalCpu(cpuLoaded.owner),
      forwardedTlsCallAddsP50Ms: round(latency['forwarded tls'].p50 - latency['owner tls'].p50),
      forwardedTlsCallAddsCpuUs: totalCpu(cpu['forwarded tls']) - totalCpu(cpu['owner tls']),
      forwardedTlsCallAddsCpuUsLoaded:
        totalCpu(cpuLoaded['forwarded tls']) - totalCpu(cpuLoaded['owner tls']),
      // The forwarding gateway alone: less noisy than the sum, which idle gateways' background work blurs.
      forwardingGatewayCpuUs: {
        plain: { sequential: cpu.forwarded.gateway1?.totalUs, loaded: cpuLoaded.forwarded.gateway1?.totalUs },
        tls: {
          sequential: cpu['forwarded tls'].tlsGateway1?.totalUs,
          loaded: cpuLoaded['forwarded tls'].tlsGateway1?.totalUs,
        },
      },
      threeVersusOneCallsPerSecond: round(
        throughput['lb→3 gw'].callsPerSecond / throughput['lb→1 gw'].callsPerSecond,
        2,
      ),
    },
  };

  console.log(
    `\nMulti-gateway benchmark: echo tool, ${plan.calls} sequential calls; ${plan.concurrency} concurrent callers for ${plan.durationMs / 1000} s; ${cpus().length} CPUs shared by every process\n`,
  );
  console.log(
    '| path          | p50 (ms) | p90 (ms) | p99 (ms) | calls/s @' +
      String(plan.concurrency).padEnd(3) +
      '| errors | CPU µs/call seq | CPU µs/call loaded |',
  );
  console.log(
    '|---------------|----------|----------|----------|--------------|--------|-----------------|--------------------|',
  );
  for (const name of Object.keys(paths)) {
    const l = latency[name];
    const t = throughput[name];
    console.log(
      `| ${name.padEnd(13)} | ${l.p50.toFixed(3).padStart(8)} | ${l.p90.toFixed(3).padStart(8)} | ${l.p99.toFixed(3).padStart(8)} | ${t.callsPerSecond.toFixed(0).padStart(12)} | ${String(t.failed).padStart(6)} | ${String(totalCpu(cpu[name])).padStart(15)} | ${String(totalCpu(cpuLoaded[name])).padStart(18)} |`,
    );
  }
  const sum = result.summary;
  console.log(
    `\nCPU: all roles but the load generator. A forwarded call adds ${sum.forwardedCallAddsP50Ms} ms at p50 and ${sum.forwardedCallAddsCpuUs} µs of CPU (${sum.forwardedCallAddsCpuUsLoaded} µs under load) over the owner path in plain HTTP, ${sum.forwardedTlsCallAddsP50Ms} ms and ${sum.forwardedTlsCallAddsCpuUs} µs (${sum.forwardedTlsCallAddsCpuUsLoaded} µs under load) over mutual TLS. The forwarding gateway alone spends ${sum.forwardingGatewayCpuUs.plain.sequential} µs per call in plain HTTP (${sum.forwardingGatewayCpuUs.plain.loaded} µs under load), ${sum.forwardingGatewayCpuUs.tls.sequential} µs over mutual TLS (${sum.forwardingGatewayCpuUs.tls.loaded} µs under load). Three gateways behind the balancer give ${sum.threeVersusOneCallsPerSecond}× the calls/s of one on this machine.`,
  );
  const out =
    args.out ??
    join(
      new URL('.', import.meta.url).pathname,
      'results',
      `multi-gateway-${result.at.replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
} finally {
  await Promise.allSettled(stops.map((stop) => stop()));
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
}
