// One Airlock path for the benchmarks: `airlock gateway` and `airlock agent` as their own
// processes (as deployed), the agent enrolled and connected, routing the `echo` connection to an
// upstream MCP server. Used by relay-bench.mjs and recording-cost.mjs.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import { openModernSession, openSession } from './mcp-load.mjs';

// BENCH_AIRLOCK_CLI=<main.js>: run another build of the CLI (e.g. a copy of packages/cli/dist
// with one change undone), to compare two builds in interleaved runs on a shared machine.
const AIRLOCK =
  process.env.BENCH_AIRLOCK_CLI ?? new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

/**
 * The `recording` section for both roles: `off` disables recording; `on` is the product default
 * (spool, PGlite store in the gateway), or a PostgreSQL store when `connectionString` is given.
 */
export function recordingSection(recording, connectionString) {
  if (recording === 'off') return { recording: { enabled: false } };
  return connectionString ? { recording: { store: { kind: 'postgres', connectionString } } } : {};
}

/**
 * Starts `airlock <role>` with its logs going to a file, not through a pipe into this process:
 * this process is the load generator, and reading another process's logs would steal its CPU.
 * Resolves with the JSON "ready" line the role prints on stdout.
 */
function startRole(dir, role, configFile, env, stopList) {
  const log = openSync(join(dir, `${role}.log`), 'w');
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each role (read with Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // BENCH_ROLE_NODE_FLAGS: Node.js flags for the roles only (e.g. --v8-pool-size=1), to compare a
  // setting without changing the load generator or the upstream; BENCH_GATEWAY_NODE_FLAGS and
  // BENCH_AGENT_NODE_FLAGS: for one role only (after the shared ones, so they win).
  const flags = [process.env.BENCH_ROLE_NODE_FLAGS, process.env[`BENCH_${role.toUpperCase()}_NODE_FLAGS`]]
    .join(' ')
    .split(' ')
    .filter(Boolean);
  // BENCH_GATEWAY_ENV / BENCH_AGENT_ENV="NAME=value …": environment variables for one role only
  // (e.g. glibc's MALLOC_* tunables, which a process reads once at start).
  const extraEnv = Object.fromEntries(
    (process.env[`BENCH_${role.toUpperCase()}_ENV`] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  // BENCH_AGENT_EXECUTABLE=<file>: run the agent as it ships, the single executable
  // (scripts/build-agent-binary.mjs) or its bundle (a .cjs file, run with this Node), instead of
  // `airlock agent` from this checkout. Node flags go to it through NODE_OPTIONS.
  const shipped = role === 'agent' ? process.env.BENCH_AGENT_EXECUTABLE : undefined;
  const [command, args] = !shipped
    ? [process.execPath, [...profile, ...flags, AIRLOCK, role, '--config', configFile]]
    : shipped.endsWith('.cjs')
      ? [process.execPath, [...profile, ...flags, shipped, '--config', configFile]]
      : [shipped, ['--config', configFile]];
  if (shipped && !shipped.endsWith('.cjs') && (profile.length > 0 || flags.length > 0)) {
    extraEnv.NODE_OPTIONS = [env.NODE_OPTIONS, ...profile, ...flags].filter(Boolean).join(' ');
  }
  const child = spawn(command, args, {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', log],
  });
  // The child has its own copy of the log's descriptor.
  closeSync(log);
  stopList.push(
    () =>
      new Promise((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')),
      ),
  );
  const ready = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    // BENCH_STDOUT=1: keep what the role prints on stdout in <dir>/<role>.stdout, e.g. V8's
    // --trace-gc-nvp lines (read them with gc-trace-summary.mjs; BENCH_KEEP keeps the directory).
    const out = process.env.BENCH_STDOUT ? openSync(join(dir, `${role}.stdout`), 'w') : undefined;
    lines.on('line', (line) => {
      if (out !== undefined) writeSync(out, `${line}\n`);
      if (line.includes('"ready"')) resolve(JSON.parse(line));
    });
    if (out !== undefined) lines.once('close', () => closeSync(out));
    child.once('exit', (code) =>
      reject(new Error(`airlock ${role} exited with ${code}; see ${join(dir, `${role}.log`)}`)),
    );
  });
  return { pid: child.pid, ready };
}

/**
 * Starts a gateway and an agent in `dir` (created) and waits until a session through them works.
 *
 * - `recording`: the `recording` config section of both roles (see `recordingSection`).
 * - `identity`: optional `{ port, gateway, provider }`: the gateway listens on `port` and verifies
 *   bearer tokens with `gateway` settings; a token for alice is issued from `provider`.
 *
 * - `gatewayExtra`, `agentExtra`: more keys for the `gateway` and `agent` sections (masking, guardrails).
 * - `connections`: the agent's connections by name (default: `echo` → `upstreamUrl` over HTTP); the
 *   first one is `url`; the readiness check opens a session on it, 2025-era unless `readiness` is
 *   `'modern'` (a 2026-07-28 client).
 *
 * Resolves with `{ url, headers, urlFor(name), headersFor(name), pids: { gateway, agent },
 * operations: { gateway, agent }, stop() }` (`operations`: the operations listeners' URLs, when the
 * extras configure them; `headersFor`: a bearer token for that connection's resource, with identity).
 */
export async function startAirlockStack({
  dir,
  upstreamUrl,
  recording,
  logLevel,
  env,
  identity,
  gatewayExtra,
  agentExtra,
  connections = { echo: { transport: 'http', url: upstreamUrl } },
  readiness = 'legacy',
}) {
  mkdirSync(dir, { recursive: true });
  const stops = [];
  const pids = {};
  const stop = () => Promise.all(stops.map((kill) => kill()));
  try {
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'tunnel.crt'), cert);
    writeFileSync(join(dir, 'tunnel.key'), key);
    const token = generateAgentToken();
    writeFileSync(
      join(dir, 'gateway.yaml'),
      JSON.stringify({
        logging: { level: logLevel },
        ...recording,
        gateway: {
          listen: { host: '127.0.0.1', port: identity?.port ?? 0 },
          dataDir: 'gateway-state',
          tunnel: {
            listen: { host: '127.0.0.1', port: 0 },
            tls: { certFile: 'tunnel.crt', keyFile: 'tunnel.key' },
          },
          agents: [
            { id: 'bench-agent', tokenSha256: hashAgentToken(token), connections: Object.keys(connections) },
          ],
          ...identity?.gateway,
          ...gatewayExtra,
        },
      }),
    );
    const gateway = startRole(dir, 'gateway', join(dir, 'gateway.yaml'), env, stops);
    pids.gateway = gateway.pid;
    const ready = await gateway.ready;
    writeFileSync(
      join(dir, 'agent.yaml'),
      JSON.stringify({
        logging: { level: logLevel },
        ...recording,
        agent: {
          id: 'bench-agent',
          token,
          dataDir: 'agent-state',
          gateways: [
            { address: `127.0.0.1:${ready.tunnelPort}`, caFile: 'tunnel.crt', serverName: 'localhost' },
          ],
          connections,
          ...agentExtra,
        },
      }),
    );
    const agent = startRole(dir, 'agent', join(dir, 'agent.yaml'), env, stops);
    pids.agent = agent.pid;
    const agentReady = await agent.ready;
    const urlFor = (name) => `${ready.url}/mcp/${name}`;
    const url = urlFor(Object.keys(connections)[0]);
    // With `operations` in the extras: where each role serves /metrics.
    const operations = { gateway: ready.operationsUrl, agent: agentReady.operationsUrl };
    // A token's audience is one connection's resource URL.
    const headersFor = async (name) =>
      identity
        ? {
            authorization: `Bearer ${await identity.provider.issueAccessToken({ user: 'alice', resource: urlFor(name) })}`,
          }
        : {};
    const headers = await headersFor(Object.keys(connections)[0]);
    if (identity) {
      // Measure what the label says: without the token the gateway must refuse.
      const refused = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      if (refused.status !== 401)
        throw new Error(`--auth: a request without a token got ${refused.status}, not 401`);
    }
    // The agent dials asynchronously: retry the first session until its connection is announced.
    for (let attempt = 0; ; attempt++) {
      try {
        const session = await (readiness === 'modern' ? openModernSession : openSession)(url, { headers });
        await session.close();
        return { url, headers, urlFor, headersFor, pids, operations, stop };
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
