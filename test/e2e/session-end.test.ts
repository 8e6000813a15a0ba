import { readdirSync, readFileSync } from 'node:fs';
import { connectV1Client } from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { expectRpcError, mcpPost, textOf, toolCall } from './support/mcp-http.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * How sessions and requests end through Airlock: a cancelled call frees everything it held on
 * the way, and DELETE ends the upstream session (the stdio process, the HTTP server's session).
 * The HTTP upstream sits behind a recording proxy so the test sees what the agent sent it.
 */
let upstreams: Upstreams;
let proxy: RecordingProxy;
let airlock: AirlockHarness;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  const http = upstreams.connections['kitchen-http'] as { url: string };
  proxy = await startRecordingProxy(http.url);
  airlock = await startAirlock({
    connections: { ...upstreams.connections, 'kitchen-http': { ...http, url: proxy.url } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await proxy?.close();
  await upstreams?.close();
});

type V1Client = Awaited<ReturnType<typeof connectV1Client>>;

function transportOf(client: V1Client): StreamableHTTPClientTransport {
  return client.transport as StreamableHTTPClientTransport;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Pids of the kitchen-sink stdio servers this process (the agent) has spawned. */
function stdioServerPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kitchen-sink-stdio'))
        pids.add(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const isUpstreamPost =
  (sessionId: string | undefined) => (r: { httpMethod: string; sessionId: string | undefined }) =>
    r.httpMethod === 'POST' && r.sessionId === sessionId;

describe('cancellation', () => {
  for (const connection of ['kitchen-stdio', 'kitchen-http']) {
    it(`frees a cancelled call on ${connection}: the session keeps working, nothing stays pending`, async () => {
      const client = await connectV1Client(airlock.mcpUrl(connection));
      try {
        // More cancellations than the agent lets one HTTP session hold POSTs open (64): a leaked
        // pending request per cancel would stall this session.
        for (let i = 0; i < 70; i++) {
          const controller = new AbortController();
          const call = client.callTool({ name: 'slow', arguments: { ms: 30_000 } }, undefined, {
            signal: controller.signal,
          });
          setTimeout(() => controller.abort(new Error('user gave up')), 5);
          await expect(call).rejects.toThrow(/user gave up/);
        }
        expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'after cancel' } }))).toBe(
          'after cancel',
        );
      } finally {
        await client.close();
      }
    });
  }

  it('tells the HTTP upstream (notifications/cancelled) and ends the upstream request', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    try {
      const first = proxy.requests.length;
      const controller = new AbortController();
      // A duration no other test uses: the previous test's calls may still be landing upstream.
      const isOurCall = (r: (typeof proxy.requests)[number]) =>
        r.rpcMethod === 'tools/call' &&
        (r.body?.['params'] as { arguments?: { ms?: unknown } } | undefined)?.arguments?.ms === 29_871;
      const call = client.callTool({ name: 'slow', arguments: { ms: 29_871 } }, undefined, {
        signal: controller.signal,
      });
      await waitFor('the slow call to reach the upstream', () => proxy.requests.slice(first).some(isOurCall));
      const upstreamCall = proxy.requests.slice(first).find(isOurCall);
      const upstreamSession = upstreamCall?.sessionId;
      controller.abort(new Error('user gave up'));
      await expect(call).rejects.toThrow(/user gave up/);

      // The previous test's session sent many cancellations; the last of them may still be landing
      // upstream, so look for this session's one (and a cancel that never reaches it times out here).
      const isOurCancel = (r: (typeof proxy.requests)[number]) =>
        r.rpcMethod === 'notifications/cancelled' && r.sessionId === upstreamSession;
      await waitFor('notifications/cancelled upstream, on this session', () =>
        proxy.requests.slice(first).some(isOurCancel),
      );
      const cancelled = proxy.requests.slice(first).find(isOurCancel);
      expect(cancelled?.sessionId).toBe(upstreamSession);
      expect((cancelled?.body?.['params'] as { requestId?: unknown }).requestId).toBe(
        upstreamCall?.body?.['id'],
      );
      // Nothing of the cancelled call stays open upstream (the GET stream is not a POST).
      await waitFor(
        'the upstream POST of the cancelled call to end',
        () => proxy.inFlight(isUpstreamPost(upstreamSession)) === 0,
      );
    } finally {
      await client.close();
    }
  });
});

describe('DELETE ends the upstream session', () => {
  it('stops the stdio server process', async () => {
    const before = stdioServerPids();
    const client = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
    const sessionId = transportOf(client).sessionId as string;
    await client.callTool({ name: 'echo', arguments: { text: 'alive' } });
    const spawned = [...stdioServerPids()].filter((pid) => !before.has(pid));
    expect(spawned).toHaveLength(1);
    const pid = spawned[0] as number;
    expect(isAlive(pid)).toBe(true);

    await transportOf(client).terminateSession();
    await waitFor(`stdio server ${pid} to exit`, () => !isAlive(pid));
    await client.close();

    const later = await mcpPost(airlock.mcpUrl('kitchen-stdio'), toolCall(5, 'echo', { text: 'x' }), {
      sessionId,
    });
    expectRpcError(later, 404, -32001, /has ended/, /DELETE/);
  });

  it('DELETEs the HTTP server session', async () => {
    const first = proxy.requests.length;
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    await client.callTool({ name: 'echo', arguments: { text: 'alive' } });
    const upstreamSession = proxy.requests.slice(first).find((r) => r.sessionId !== undefined)?.sessionId;
    expect(upstreamSession).toBeTruthy();

    await transportOf(client).terminateSession();
    await waitFor('DELETE upstream', () =>
      proxy.requests.slice(first).some((r) => r.httpMethod === 'DELETE' && r.sessionId === upstreamSession),
    );
    const deleted = proxy.requests.slice(first).find((r) => r.httpMethod === 'DELETE');
    expect(await deleted?.status).toBe(200);
    await client.close();

    // The upstream no longer knows the session.
    const direct = await mcpPost(proxy.url, toolCall(6, 'echo', { text: 'x' }), {
      sessionId: upstreamSession as string,
    });
    expect(direct.status).toBe(404);
  });
});
