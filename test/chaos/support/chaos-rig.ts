import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain, type RecordingEvent } from '@airlock/core';
import { KinesisAuditConsumer, sha256Hex, type RecordingStore } from '@airlock/recording';
import {
  connectV1Client,
  freePort,
  spawnNode,
  startKinesalite,
  startKitchenSinkHttp,
  startPostgres,
  testkitBins,
  waitFor as waitUntil,
  type NodeProcess,
  type RunningKinesalite,
} from '@airlock/testkit';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * Gateway and agent as the operator runs them (`airlock gateway|agent --config`, separate
 * processes), so a test can `kill -9` either and start it again on the same ports, spool and
 * store. Loopback only; fake AWS credentials from the environment, no instance metadata.
 */
const AIRLOCK = new URL('../../../packages/cli/dist/main.js', import.meta.url).pathname;
const ENV = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'AKIAAIRLOCKCHAOS0001',
  AWS_SECRET_ACCESS_KEY: 'airlock-chaos-secret-access-key-not-real',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  CI: 'true',
};

export const CONNECTIONS = ['kitchen-stdio', 'kitchen-http'] as const;

export interface ChaosRigOptions {
  readonly postgresUrl: string;
  readonly kinesis: { readonly stream: string; readonly region: string; readonly endpoint: string };
  readonly kitchenHttpUrl: string;
  /**
   * Enroll the agent through the admin API (`enrollAgent()`, revocable) instead of listing it in
   * the gateway's configuration (which the API cannot revoke).
   */
  readonly enrolled?: boolean;
}

export interface ChaosRig {
  readonly url: string;
  gateway: NodeProcess;
  agent: NodeProcess;
  startGateway(): Promise<NodeProcess>;
  /** Starts the agent and waits until the gateway serves both connections through it. */
  startAgent(): Promise<NodeProcess>;
  /** `POST /api/v1/agents`: enrolls the agent for both connections and writes its token file. */
  enrollAgent(): Promise<void>;
  /** `DELETE /api/v1/agents/<id>`: its token stops working, its tunnel is cut. */
  revokeAgent(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, the spool is left as the crash left it. */
  kill9(process: NodeProcess): Promise<void>;
  close(): Promise<void>;
}

export async function startChaosRig(options: ChaosRigOptions): Promise<ChaosRig> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-chaos-'));
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key, { mode: 0o600 });
  const token = generateAgentToken();
  writeFileSync(join(dir, 'agent.token'), `${token}\n`, { mode: 0o600 });
  // Fixed ports: the restarted gateway must be where clients and the agent look for it.
  const httpPort = await freePort();
  const tunnelPort = await freePort();
  const kinesis = JSON.stringify(options.kinesis);
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `gateway:
  id: chaos-gateway
  listen: { host: 127.0.0.1, port: ${httpPort} }
  dataDir: gateway-state
  tunnel:
    listen: { host: 127.0.0.1, port: ${tunnelPort} }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
${
  options.enrolled === true
    ? ''
    : `  agents:
    - id: chaos-agent
      tokenSha256: ${hashAgentToken(token)}
      connections: [${CONNECTIONS.join(', ')}]
`
}recording:
  store: { kind: postgres, connectionString: "${options.postgresUrl}" }
  kinesis: ${kinesis}
`,
  );
  writeFileSync(
    join(dir, 'agent.yaml'),
    `agent:
  id: chaos-agent
  tokenFile: agent.token
  dataDir: agent-state
  gateways: [{ address: "127.0.0.1:${tunnelPort}", caFile: tunnel.crt, serverName: localhost }]
  connections:
    kitchen-stdio: ${JSON.stringify({ transport: 'stdio', command: process.execPath, args: [testkitBins.kitchenSinkStdio], killGraceMs: 500 })}
    kitchen-http: { transport: http, url: "${options.kitchenHttpUrl}" }
recording:
  kinesis: ${kinesis}
`,
  );

  const all: NodeProcess[] = [];
  const spawn = (role: 'gateway' | 'agent') => {
    const child = spawnNode(AIRLOCK, [role, '--config', join(dir, `${role}.yaml`)], {
      // Only the agent: an AIRLOCK_AGENT__* variable would give the gateway an agent section.
      env: role === 'agent' ? { ...ENV, AIRLOCK_AGENT__RECONNECT__MAX_DELAY_MS: '300' } : ENV,
      cwd: dir,
      killGraceMs: 5_000,
    });
    all.push(child);
    return child;
  };
  const rig: ChaosRig = {
    url: `http://127.0.0.1:${httpPort}`,
    gateway: undefined as unknown as NodeProcess,
    agent: undefined as unknown as NodeProcess,
    async startGateway() {
      const gateway = spawn('gateway');
      await gateway.waitForLine((l) => l.includes('"ready":"gateway"'), { timeoutMs: 30_000 });
      rig.gateway = gateway;
      return gateway;
    },
    async startAgent() {
      const agent = spawn('agent');
      await agent.waitForLine((l) => l.includes('"ready":"agent"'), { timeoutMs: 20_000 });
      rig.agent = agent;
      // "ready" comes before the tunnel is up: wait until a session opens through it.
      for (const connection of CONNECTIONS) {
        await waitFor(
          `${connection} served`,
          async () => {
            const client = await connectV1Client(`${rig.url}/mcp/${connection}`, { name: 'chaos-probe' });
            await (client.transport as StreamableHTTPClientTransport).terminateSession();
            await client.close();
            return true;
          },
          15_000,
        );
      }
      return agent;
    },
    async enrollAgent() {
      const response = await fetch(`${rig.url}/api/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'chaos-agent', connections: CONNECTIONS }),
      });
      if (response.status !== 201) throw new Error(`enrollment: ${response.status} ${await response.text()}`);
      const { token: enrolled } = (await response.json()) as { token: string };
      writeFileSync(join(dir, 'agent.token'), `${enrolled}\n`, { mode: 0o600 });
    },
    async revokeAgent() {
      const response = await fetch(`${rig.url}/api/v1/agents/chaos-agent`, { method: 'DELETE' });
      if (response.status !== 200) throw new Error(`revocation: ${response.status} ${await response.text()}`);
    },
    async kill9(child) {
      child.child.kill('SIGKILL');
      await child.exited;
    },
    async close() {
      // SIGTERM: a clean shutdown lets the pumps deliver what is spooled (the test has already
      // waited for that); SIGKILL after the grace period.
      await Promise.all(all.map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TrafficTally {
  /** Unique `echo` texts of calls whose result reached the client. */
  readonly answered: string[];
  /** Calls that failed (error answer, reset connection, timeout). */
  failed: number;
  /** The first few failures, for a test's message. */
  readonly errors: string[];
  sessions: number;
  /** Summed duration of the answered calls, ms. */
  callMs: number;
}

/**
 * Busy clients: `workers` SDK v1 clients per connection, each calling `echo` with a unique text
 * in a loop until `stop` aborts. A failed call drops the client and connects a new one (the old
 * session may be gone with the process that held it).
 */
export function startTraffic(
  url: string,
  workers: number,
  stop: AbortSignal,
): { readonly tally: TrafficTally; readonly done: Promise<void> } {
  const tally: TrafficTally = { answered: [], failed: 0, errors: [], sessions: 0, callMs: 0 };
  const worker = async (connection: string, index: number) => {
    let n = 0;
    while (!stop.aborted) {
      let client: Awaited<ReturnType<typeof connectV1Client>> | undefined;
      try {
        client = await connectV1Client(`${url}/mcp/${connection}`, { name: `chaos-${index}` });
        tally.sessions++;
        while (!stop.aborted) {
          const text = `${connection}#${index}#${n++}`;
          const began = performance.now();
          const result = (await client.callTool({ name: 'echo', arguments: { text } }, undefined, {
            timeout: 5_000,
          })) as { content?: { text?: string }[]; isError?: boolean };
          if (result.isError || result.content?.[0]?.text !== text) throw new Error('wrong answer');
          tally.answered.push(text);
          tally.callMs += performance.now() - began;
          await sleep(3);
        }
        // A clean end of the session (DELETE) once the test says stop.
        await (client.transport as StreamableHTTPClientTransport).terminateSession();
        await client.close();
      } catch (error) {
        tally.failed++;
        if (tally.errors.length < 5) tally.errors.push(`${connection}#${index}: ${String(error)}`);
        await client?.close().catch(() => undefined);
        await sleep(100);
      }
    }
  };
  const runs: Promise<void>[] = [];
  for (const connection of CONNECTIONS) {
    for (let i = 0; i < workers; i++) runs.push(worker(connection, i));
  }
  return { tally, done: Promise.all(runs).then(() => undefined) };
}

/** The test kit's waitFor as chaos needs it: processes restart under the probes, so errors are retried. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  return waitUntil(what, probe, { timeoutMs, intervalMs: 200, retryOnError: true });
}

/** Every event in the store, all sessions. */
export async function storedEvents(store: RecordingStore): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({ limit: 500, cursor });
    for (const session of page.sessions) events.push(...(await store.getEvents(session.id)));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return events;
}

/** Drops the sessions `startAgent` opened to see the agent serving (client name `chaos-probe`). */
export function withoutProbes(events: readonly RecordingEvent[]): RecordingEvent[] {
  const probes = new Set(
    events.filter((e) => e.start?.clientInfo?.['name'] === 'chaos-probe').map((e) => e.sessionId),
  );
  return events.filter((e) => !probes.has(e.sessionId));
}

/** Groups by (session, source), each chain in `seq` order. */
export function chains(events: readonly RecordingEvent[]): Map<string, RecordingEvent[]> {
  const byChain = new Map<string, RecordingEvent[]>();
  for (const event of events) {
    const key = `${event.sessionId} ${event.source}`;
    byChain.set(key, [...(byChain.get(key) ?? []), event]);
  }
  for (const list of byChain.values()) list.sort((a, b) => a.seq - b.seq);
  return byChain;
}

/** Problems of one chain: a `seq` other than 1..n (gap or duplicate), a hash that does not link. */
export function chainProblems(key: string, chain: readonly RecordingEvent[]): string[] {
  const problems: string[] = [];
  chain.forEach((event, i) => {
    if (event.seq !== i + 1) problems.push(`${key}: seq ${event.seq} at position ${i + 1}`);
  });
  if (chain[0]?.kind !== 'session_start') problems.push(`${key}: does not begin with session_start`);
  for (const b of verifyChain(chain, sha256Hex)) problems.push(`${key}: ${JSON.stringify(b)}`);
  return problems;
}

/**
 * For each answered text, whether `source` recorded both the `tools/call` request carrying it and
 * the response to that request (same session, same JSON-RPC id). Returns the texts that are not.
 */
export function unrecordedCalls(
  events: readonly RecordingEvent[],
  source: 'gateway' | 'agent',
  answered: readonly string[],
): string[] {
  const requests = new Map<string, { sessionId: string; id: unknown }>();
  const responses = new Set<string>();
  for (const event of events) {
    if (event.source !== source || event.kind !== 'message') continue;
    const m = event.message as {
      id?: unknown;
      method?: string;
      params?: { arguments?: { text?: unknown } };
      result?: unknown;
    };
    if (m.method === 'tools/call' && typeof m.params?.arguments?.text === 'string') {
      requests.set(m.params.arguments.text, { sessionId: event.sessionId, id: m.id });
    } else if (m.result !== undefined) {
      responses.add(`${event.sessionId} ${JSON.stringify(m.id)}`);
    }
  }
  return answered.filter((text) => {
    const request = requests.get(text);
    return request === undefined || !responses.has(`${request.sessionId} ${JSON.stringify(request.id)}`);
  });
}

export interface KinesisView {
  readonly events: RecordingEvent[];
  /** Chain breaks and invalid records the consumer reported. */
  readonly problems: unknown[];
  readonly duplicatesDropped: number;
}

/**
 * Reads the stream from the start with the security team's consumer until it has yielded every
 * id in `expected` and `enough` holds (then half a second more, to catch anything yielded twice).
 */
export async function readKinesis(
  client: RunningKinesalite['client'],
  stream: string,
  region: string,
  endpoint: string,
  expected: ReadonlySet<string>,
  timeoutMs: number,
  enough: (events: readonly RecordingEvent[]) => boolean = () => true,
): Promise<KinesisView> {
  const consumer = new KinesisAuditConsumer({
    streamName: stream,
    region,
    endpoint,
    client,
    pollIntervalMs: 100,
  });
  const events: RecordingEvent[] = [];
  const problems: unknown[] = [];
  const missing = new Set(expected);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let settle: NodeJS.Timeout | undefined;
  try {
    for await (const item of consumer.read(abort.signal)) {
      if (item.type === 'event') {
        events.push(item.event);
        missing.delete(item.event.id);
        if (!item.verified) problems.push({ unverified: item.event.id });
      } else {
        problems.push(item);
      }
      if (missing.size === 0 && settle === undefined && enough(events))
        settle = setTimeout(() => abort.abort(), 500);
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    clearTimeout(settle);
    consumer.close();
  }
  return { events, problems, duplicatesDropped: consumer.stats().duplicates };
}

export interface ChaosWorld {
  readonly rig: ChaosRig;
  readonly kinesis: RunningKinesalite;
  /** The PostgreSQL database the gateway records into. */
  readonly connectionString: string;
  close(): Promise<void>;
}

export interface ChaosWorldOptions {
  readonly database: string;
  readonly stream: string;
  readonly shards: number;
  /** Enroll the agent through the admin API (revocable) instead of the gateway's config file. */
  readonly enrolled?: boolean;
  /** Put something (a fault proxy) between the relay and Kinesis: returns the endpoint to use. */
  readonly kinesisVia?: (endpoint: string) => Promise<{ endpoint: string; close(): Promise<void> }>;
}

/**
 * Everything a chaos test stands on: PostgreSQL, kinesalite with the stream, the HTTP kitchen
 * sink, and a running gateway and agent recording to both.
 */
export async function startChaosWorld(options: ChaosWorldOptions): Promise<ChaosWorld> {
  const [postgres, kinesis, kitchen] = await Promise.all([
    startPostgres(),
    startKinesalite({ createStreamMs: 0 }),
    startKitchenSinkHttp({ host: '127.0.0.1', port: 0 }),
  ]);
  await kinesis.createStream(options.stream, options.shards);
  const via = options.kinesisVia ? await options.kinesisVia(kinesis.endpoint) : undefined;
  const connectionString = await postgres.createDatabase(options.database);
  const rig = await startChaosRig({
    postgresUrl: connectionString,
    kinesis: { stream: options.stream, region: kinesis.region, endpoint: via?.endpoint ?? kinesis.endpoint },
    kitchenHttpUrl: kitchen.url,
    ...(options.enrolled ? { enrolled: true } : {}),
  });
  await rig.startGateway();
  if (options.enrolled) await rig.enrollAgent();
  await rig.startAgent();
  return {
    rig,
    kinesis,
    connectionString,
    close: async () => {
      await rig.close();
      await via?.close();
      await Promise.all([kitchen.close(), kinesis.close(), postgres.stop()]);
    },
  };
}
