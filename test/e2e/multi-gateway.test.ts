import { randomBytes } from 'node:crypto';
import type { RecordingEvent } from '@airlock/core';
import { verifySession, type RecordingStore } from '@airlock/recording';
import {
  collectNotifications,
  connectV1Client,
  connectV2Client,
  startKitchenSinkHttp,
  startModernHttp,
  waitFor,
  type RunningServer,
} from '@airlock/testkit';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from './support/gateway-cluster.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from './support/round-robin-balancer.js';
import { EventStreamReader } from '../../packages/gateway/test/live/helpers/event-stream-reader.js';

/**
 * Two gateways on one PostgreSQL behind a round-robin balancer (no stickiness), one agent
 * dialling both: a 2025-era session works whichever gateway each request reaches.
 */

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

function sessionIdOf(client: Client): string {
  return (client.transport as StreamableHTTPClientTransport).sessionId as string;
}

async function endedEvents(store: RecordingStore, sessionId: string): Promise<RecordingEvent[]> {
  return waitFor(
    `the recording of session ${sessionId} ended by gateway and agent`,
    async () => {
      const events = await store.getEvents(sessionId);
      const ends = events.filter((e) => e.kind === 'session_end');
      return ends.some((e) => e.source === 'gateway') && ends.some((e) => e.source === 'agent')
        ? events
        : undefined;
    },
    { timeoutMs: 20_000 },
  );
}

let upstream: RunningServer;
let modern: RunningServer;
let cluster: GatewayCluster;
let balancer: RoundRobinBalancer;

beforeAll(async () => {
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  modern = await startModernHttp({ host: '127.0.0.1', port: 0, legacy: 'reject' });
  cluster = await startGatewayCluster({
    gateways: 2,
    connections: {
      'kitchen-http': { transport: 'http', url: upstream.url },
      modern: { transport: 'http', url: modern.url, eras: ['modern'] },
    },
  });
  await cluster.startAgent();
  balancer = await startRoundRobinBalancer(cluster.gateways.map((g) => g!.url));
}, 60_000);

afterAll(async () => {
  await balancer?.close();
  await cluster?.close();
  await upstream?.close();
  await modern?.close();
});

describe('one 2025-era session across two gateways (round-robin, no stickiness)', () => {
  it('completes calls, GET-stream notifications, sampling and elicitation, cancellation and DELETE, recorded as one sound chain per source', async () => {
    const store = cluster.gateways[0]!.recording!.store as RecordingStore;
    const client = await connectV1Client(`${balancer.url}/mcp/kitchen-http`, {
      name: 'multi-gateway-e2e',
      onSampling: () => 'sampled across gateways',
      onElicitation: () => ({ action: 'accept', content: { answer: 'elicited across gateways' } }),
    });
    const sessionId = sessionIdOf(client);
    // The session id names its owner: one of the two gateways' tags.
    const tags = cluster.gateways.map((g) => g!.cluster!.tag);
    expect(tags).toContain(sessionId.split('.', 1)[0]);
    const servedBefore = balancer.served.length;

    for (let i = 0; i < 6; i++) {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } }))).toContain(
        `call ${i}`,
      );
    }
    // Server→client requests: their answers are POSTs the balancer may send to the other gateway.
    for (let i = 0; i < 2; i++) {
      expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'a haiku' } }))).toBe(
        'sampled across gateways',
      );
      expect(textOf(await client.callTool({ name: 'elicit', arguments: { question: 'colour?' } }))).toBe(
        'elicited across gateways',
      );
    }
    // A notification that belongs to no request arrives on the GET stream, wherever it was opened.
    const log = collectNotifications(client);
    await client.callTool({ name: 'notify-tools-changed', arguments: {} });
    await log.waitFor((n) => n.method === 'notifications/tools/list_changed', 10_000);

    // Cancellation: the client's notifications/cancelled may reach either gateway.
    const abort = new AbortController();
    const slow = client.callTool({ name: 'slow', arguments: { ms: 30_000 } }, undefined, {
      signal: abort.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort('the test cancels');
    await expect(slow).rejects.toThrow();
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'after cancel' } }))).toContain(
      'after cancel',
    );

    // Both gateways served requests of this one session.
    const served = new Set(balancer.served.slice(servedBefore));
    expect(served).toEqual(new Set([0, 1]));

    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();

    const events = await endedEvents(store, sessionId);
    const report = verifySession(events);
    expect(report.agreement.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
    // One owner records the gateway side: a single gateway id, one chain.
    const gatewayIds = new Set(events.filter((e) => e.source === 'gateway').map((e) => e.gatewayId));
    expect(gatewayIds.size).toBe(1);
    expect(
      events.some(
        (e) => (e.message as { method?: string } | undefined)?.method === 'notifications/cancelled',
      ),
    ).toBe(true);
    expect(events.filter((e) => e.kind === 'session_end' && e.source === 'gateway')[0]?.end?.reason).toBe(
      'client_closed',
    );
  }, 60_000);

  it('serves modern-era (stateless) requests on whichever gateway they reach, with no forwarding', async () => {
    const servedBefore = balancer.served.length;
    const client = await connectV2Client(`${balancer.url}/mcp/modern`, { era: 'modern' });
    try {
      for (let i = 0; i < 4; i++) {
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: `modern ${i}` } }))).toContain(
          `modern ${i}`,
        );
      }
    } finally {
      await client.close();
    }
    expect(new Set(balancer.served.slice(servedBefore))).toEqual(new Set([0, 1]));
    expect(cluster.logs()).not.toMatch(/owns this session cannot be reached/);
  });

  it('answers an untagged or unknown session id with 404 (never forwarded)', async () => {
    const res = await fetch(`${balancer.url}/mcp/kitchen-http`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'not-a-cluster-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Unknown session/);
  });
});

describe('the internal listener', () => {
  it('refuses requests that are not signed with the cluster secret', async () => {
    const owner = cluster.gateways[0]!;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': `${owner.cluster!.tag}.x`,
    };
    const unsigned = await fetch(`${owner.cluster!.internalUrl}/mcp/kitchen-http`, {
      method: 'POST',
      headers,
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { message: string } }).error.message).toMatch(
      /cluster secret/,
    );
    const forged = await fetch(`${owner.cluster!.internalUrl}/mcp/kitchen-http`, {
      method: 'POST',
      headers: {
        ...headers,
        'airlock-peer-gateway': 'gw-1',
        'airlock-peer-time': String(Date.now()),
        'airlock-peer-signature': randomBytes(32).toString('hex'),
      },
      body,
    });
    expect(forged.status).toBe(401);
  });

  it('streams a session started on one gateway to a live sessions list served by the other', async () => {
    const [first, second] = cluster.gateways;
    const stream = await EventStreamReader.open(`${second!.url}/api/v1/sessions?connection=kitchen-http`, {});
    try {
      await stream.next((e) => e.event === 'ready');
      const client = await connectV1Client(`${first!.url}/mcp/kitchen-http`, {
        name: 'live-across-gateways',
      });
      const sessionId = sessionIdOf(client);
      expect(sessionId.split('.', 1)[0]).toBe(first!.cluster!.tag);
      await client.callTool({ name: 'echo', arguments: { text: 'seen elsewhere' } });
      const seen = await stream.next(
        (e) =>
          e.event === 'sessions' &&
          (e.data as { sessions: { id: string }[] }).sessions.some((s) => s.id === sessionId),
      );
      expect(seen.id).toBeDefined();
      await client.close();
    } finally {
      stream.close();
    }
  });
});

describe('a gateway that stops', () => {
  it('takes its own sessions (404, so the client re-initializes) and new sessions work at once through the survivor', async () => {
    const store = cluster.gateways[0]!.recording!.store as RecordingStore;
    // Sessions until one is owned by gateway 1 (the one to stop): the balancer picks who initializes.
    const tag1 = cluster.gateways[1]!.cluster!.tag;
    let doomed: Client | undefined;
    for (let i = 0; i < 4 && doomed === undefined; i++) {
      const client = await connectV1Client(`${balancer.url}/mcp/kitchen-http`);
      if (sessionIdOf(client).startsWith(`${tag1}.`)) doomed = client;
      else await client.close();
    }
    expect(doomed).toBeDefined();
    const answered = textOf(await doomed!.callTool({ name: 'echo', arguments: { text: 'before the stop' } }));
    expect(answered).toContain('before the stop');
    const doomedId = sessionIdOf(doomed!);

    await cluster.stopGateway(1);
    // Whichever gateway the balancer picks (the survivor, since the stopped one refuses): 404.
    const direct = await fetch(`${cluster.gateways[0]!.url}/mcp/kitchen-http`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': doomedId,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
    });
    expect(direct.status).toBe(404);
    expect(((await direct.json()) as { error: { code: number } }).error.code).toBe(-32001);
    await doomed!.close();

    const fresh = await connectV1Client(`${balancer.url}/mcp/kitchen-http`);
    expect(textOf(await fresh.callTool({ name: 'echo', arguments: { text: 'after the stop' } }))).toContain(
      'after the stop',
    );
    await (fresh.transport as StreamableHTTPClientTransport).terminateSession();
    await fresh.close();

    // What was answered before the stop is in the store, its chains sound.
    const events = await endedEvents(store, doomedId);
    expect(JSON.stringify(events)).toContain('before the stop');
    expect(verifySession(events).chains.gateway.breaks).toEqual([]);
  }, 60_000);
});
