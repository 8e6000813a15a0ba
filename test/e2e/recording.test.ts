import { nodeSpoolIo, type SpoolIo } from '@airlock/recording';
import { verifyChain, type RecordingEvent, type RecordingSource, type JsonRpcMessage } from '@airlock/core';
import { KinesisAuditConsumer, sha256Hex, verifySession, type RecordingStore } from '@airlock/recording';
import { connectV1Client, startKinesalite, type RunningKinesalite } from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '@airlock/agent';
import { parseConfig } from '@airlock/core';
import { startGateway } from '@airlock/gateway';
import { pino } from 'pino';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { endedSession } from './support/recorded-sessions.js';
import { mcpPost, modernToolCall, textOf } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * Recording through the whole product: a gateway and an agent each spool what passed them, the
 * gateway's pump stores its events, the agent's pump hands its events to the gateway over the
 * tunnel (Record call), and both publish to Kinesis. Real parts: MCP SDK clients, gRPC over TLS,
 * PGlite, kinesalite.
 */
let upstreams: Upstreams;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
});

afterAll(async () => {
  await upstreams?.close();
});

type V1Client = Awaited<ReturnType<typeof connectV1Client>>;

/** Ends the session as a client does: DELETE, then close. */
async function endSession(client: V1Client): Promise<void> {
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await client.close();
}

function bySource(events: readonly RecordingEvent[], source: RecordingSource): RecordingEvent[] {
  return events.filter((e) => e.source === source).sort((a, b) => a.seq - b.seq);
}

/** (direction, id, method) of each message event: what both sides must agree on. */
function messageKeys(events: readonly RecordingEvent[]): string[] {
  return events
    .filter((e) => e.kind === 'message')
    .map((e) => {
      const m = e.message as JsonRpcMessage & { id?: unknown; method?: unknown };
      return `${e.direction} ${JSON.stringify(m.id ?? null)} ${String(m.method ?? 'response')}`;
    });
}

function expectSoundChain(events: readonly RecordingEvent[]): void {
  expect(verifyChain(events, sha256Hex)).toEqual([]);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events[0]?.kind).toBe('session_start');
  expect(events.at(-1)?.kind).toBe('session_end');
}

describe('a legacy session through gateway and agent', () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({
      connections: upstreams.connections,
      recording: { spool: { fsync: 'never' } },
    });
  });

  afterAll(async () => {
    await airlock?.close();
  });

  it.each(['kitchen-stdio', 'kitchen-http'])(
    'is stored with both chains, corroborating each other (%s)',
    async (connection) => {
      const store = airlock.gateway.recording?.store as RecordingStore;
      const client = await connectV1Client(airlock.mcpUrl(connection), { name: 'recording-e2e' });
      const result = await client.callTool({ name: 'echo', arguments: { text: `hello ${connection}` } });
      expect(textOf(result)).toContain(`hello ${connection}`);
      // A server→client request inside a call: the server asks the client for a sampling.
      const sampled = await client.callTool({ name: 'sample', arguments: { prompt: 'a haiku' } });
      expect(textOf(sampled)).toContain('a haiku');
      await endSession(client);
      const events = await endedSession(store, connection);

      const gateway = bySource(events, 'gateway');
      const agent = bySource(events, 'agent');
      expectSoundChain(gateway);
      expectSoundChain(agent);
      expect(gateway.at(-1)?.end?.reason).toBe('client_closed');
      expect(agent.at(-1)?.end?.reason).toBe('client_closed');
      expect(gateway[0]?.start?.clientInfo?.['name']).toBe('recording-e2e');
      expect(new Set(gateway.map((e) => e.gatewayId))).toEqual(new Set([airlock.gateway.id]));
      expect(new Set(agent.map((e) => e.agentId))).toEqual(new Set(['e2e-agent']));

      // Who: identity only, never a credential.
      for (const event of events) {
        for (const key of Object.keys(event.identity)) {
          expect(['subject', 'email', 'groups', 'tokenId']).toContain(key);
        }
        expect(event.identity.subject).toBeTruthy();
      }
      expect(JSON.stringify(events)).not.toMatch(/authorization|bearer|alk_/i);

      // The two sides saw the same messages in each direction.
      const toolCalls = (list: RecordingEvent[]) =>
        list.filter(
          (e) => e.kind === 'message' && (e.message as { method?: string }).method === 'tools/call',
        );
      expect(toolCalls(gateway)).toHaveLength(2);
      expect(messageKeys(agent).sort()).toEqual(messageKeys(gateway).sort());
      expect(messageKeys(gateway)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^server_to_client \S+ sampling\/createMessage$/)]),
      );

      // `verify`'s own judgement: both chains sound and every request and answer, both ways, paired.
      const report = verifySession(events);
      expect(report.agreement.mismatches).toEqual([]);
      expect(report.ok).toBe(true);
      // initialize, two tool calls and the sampling request, each with its answer.
      expect(report.agreement.matched).toBeGreaterThanOrEqual(8);
    },
  );
});

describe('Kinesis from both sides', () => {
  let kinesis: RunningKinesalite;
  let airlock: AirlockHarness;

  beforeAll(async () => {
    kinesis = await startKinesalite({ createStreamMs: 0 });
    await kinesis.createStream('airlock-e2e', 1);
    airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      recording: {
        spool: { fsync: 'never' },
        kinesis: { stream: 'airlock-e2e', region: kinesis.region, endpoint: kinesis.endpoint },
      },
    });
  });

  afterAll(async () => {
    await airlock?.close();
    await kinesis?.close();
  });

  it('publishes the events of gateway and agent, verifiable by the audit consumer', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    await client.callTool({ name: 'echo', arguments: { text: 'to kinesis' } });
    await endSession(client);
    const stored = await endedSession(airlock.gateway.recording?.store as RecordingStore, 'kitchen-http');
    const sessionId = stored[0]?.sessionId as string;

    const consumer = new KinesisAuditConsumer({
      streamName: 'airlock-e2e',
      region: kinesis.region,
      endpoint: kinesis.endpoint,
      client: kinesis.client,
      pollIntervalMs: 50,
    });
    const seen: RecordingEvent[] = [];
    const breaks: unknown[] = [];
    const expected = stored.length;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 15_000);
    try {
      for await (const item of consumer.read(abort.signal)) {
        if (item.type === 'chain_break') breaks.push(item);
        if (item.type === 'event' && item.event.sessionId === sessionId) {
          expect(item.verified).toBe(true);
          seen.push(item.event);
        }
        if (seen.length >= expected) break;
      }
    } finally {
      clearTimeout(timer);
      consumer.close();
    }
    expect(breaks).toEqual([]);
    expect(seen.map((e) => e.id).sort()).toEqual(stored.map((e) => e.id).sort());
    expect(new Set(seen.map((e) => e.source))).toEqual(new Set(['gateway', 'agent']));
    expectSoundChain(bySource(seen, 'agent'));
    expectSoundChain(bySource(seen, 'gateway'));
  });
});

describe('modern-era requests', () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({
      connections: { modern: upstreams.connections['modern'] as Record<string, unknown> },
      recording: { spool: { fsync: 'never' }, modernSessionIdleSeconds: 1 },
    });
  });

  afterAll(async () => {
    await airlock?.close();
  });

  it('from one client land in one recording session, ended when the client goes quiet', async () => {
    for (const id of [1, 2, 3]) {
      const call = modernToolCall(id, 'echo', { text: `modern ${id}` });
      const answer = await mcpPost(airlock.mcpUrl('modern'), call.body, { headers: call.headers });
      expect(answer.status).toBe(200);
    }
    const store = airlock.gateway.recording?.store as RecordingStore;
    const events = await endedSession(store, 'modern');
    const page = await store.listSessions({ connection: 'modern', limit: 10 });
    expect(page.sessions).toHaveLength(1);
    const gateway = bySource(events, 'gateway');
    const agent = bySource(events, 'agent');
    expectSoundChain(gateway);
    expectSoundChain(agent);
    const calls = (list: RecordingEvent[]) =>
      list
        .filter((e) => e.kind === 'message' && e.direction === 'client_to_server')
        .map((e) => (e.message as { id: number }).id);
    expect(calls(gateway)).toEqual([1, 2, 3]);
    expect(calls(agent)).toEqual([1, 2, 3]);
    expect(gateway.at(-1)?.end?.reason).toBe('expired');
    expect(agent.at(-1)?.end?.reason).toBe('expired');
  });
});

/** The real file system, with a switch that makes every spool write fail as a full disk does. */
function fillableDisk(): { io: SpoolIo; full: boolean } {
  const disk = {
    full: false,
    io: {
      ...nodeSpoolIo,
      writev: async (...args: Parameters<SpoolIo['writev']>) => {
        if (disk.full) {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return nodeSpoolIo.writev(...args);
      },
    } satisfies SpoolIo,
  };
  return disk;
}

describe('a full spool', () => {
  it('refuses the call in strict mode with a clear JSON-RPC error, and works again once there is room', async () => {
    const disk = fillableDisk();
    const airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      recording: { spool: { fsync: 'never' } },
      spoolIo: { gateway: disk.io },
    });
    try {
      const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
      disk.full = true;
      const refused = await client.callTool({ name: 'echo', arguments: { text: 'unrecordable' } }).then(
        () => undefined,
        (error: unknown) => error as { code?: number; message?: string },
      );
      expect(refused?.code).toBe(-32007);
      expect(refused?.message).toMatch(/record/i);
      disk.full = false;
      const result = await client.callTool({ name: 'echo', arguments: { text: 'recorded again' } });
      expect(textOf(result)).toContain('recorded again');
      await endSession(client);
    } finally {
      await airlock.close();
    }
  });

  it('lets the call through in best-effort mode and records a warning naming the gap', async () => {
    const disk = fillableDisk();
    const airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      recording: { mode: 'best-effort', spool: { fsync: 'never' } },
      spoolIo: { gateway: disk.io },
    });
    try {
      const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
      disk.full = true;
      const result = await client.callTool({ name: 'echo', arguments: { text: 'unrecorded' } });
      expect(textOf(result)).toContain('unrecorded');
      disk.full = false;
      await client.callTool({ name: 'echo', arguments: { text: 'recorded' } });
      await endSession(client);
      const events = await endedSession(airlock.gateway.recording?.store as RecordingStore, 'kitchen-http');
      const warning = bySource(events, 'gateway').find((e) => e.kind === 'warning');
      expect(warning?.warning?.code).toBe('recording_gap');
      expect(warning?.warning?.message).toMatch(/best-effort/);
      // The gap is explained, never silent: the agent's side recorded everything.
      expectSoundChain(bySource(events, 'agent'));
    } finally {
      await airlock.close();
    }
  });
});

describe('with nowhere to write', () => {
  it('gateway and agent refuse to start (fail closed) and say which key to set', async () => {
    const config = parseConfig(`
gateway:
  listen: { host: 127.0.0.1, port: 0 }
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: /nonexistent.crt, keyFile: /nonexistent.key }
agent:
  id: a
  token: alk_0123456789abcdef0123
  gateways: [{ address: "127.0.0.1:1" }]
  connections: { c: { transport: stdio, command: node } }
`);
    const logger = pino({ enabled: false });
    const tls = { cert: Buffer.from(''), key: Buffer.from('') };
    await expect(
      startGateway(config.gateway!, { logger, tls, recording: config.recording }),
    ).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/gateway\.dataDir/) });
    await expect(
      startAgent(config.agent!, { logger, version: 'e2e', recording: config.recording }),
    ).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/agent\.dataDir/) });
  });
});
