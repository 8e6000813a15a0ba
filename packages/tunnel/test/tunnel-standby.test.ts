import { AirlockError, type SessionOpenRequest } from '@airlock/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_CAPABILITIES } from '../src/capabilities.js';
import type { TunnelStream } from '../src/index.js';
import {
  collect,
  connected,
  echoSessions,
  exchangeRequest,
  sessionRequest,
  startClient,
  startServer,
  waitUntil,
} from './tunnel-harness.js';

describe('tunnel: standby streams for modern-era exchanges', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /**
   * A server asking for `standbyStreams`, an agent that records what each session was opened for.
   * `agentCapabilities` plays an agent that predates some; `gatewayIgnores` a gateway that does.
   */
  async function setup(
    standbyStreams: number,
    versions: { agentCapabilities?: readonly string[]; gatewayIgnores?: readonly string[] } = {},
  ) {
    const server = await startServer({
      standbyStreams,
      ...(versions.gatewayIgnores ? { testOnly: { ignoredCapabilities: versions.gatewayIgnores } } : {}),
    });
    cleanup.push(() => server.close());
    const opened: SessionOpenRequest[] = [];
    const client = await startClient(server.port, {
      onSession: (request: SessionOpenRequest, stream: TunnelStream) => {
        opened.push(request);
        echoSessions(request, stream);
      },
      ...(versions.agentCapabilities ? { testOnly: { capabilities: versions.agentCapabilities } } : {}),
    });
    cleanup.push(() => client.stop());
    await connected(client);
    return { server, client, opened };
  }

  const standby = (server: Awaited<ReturnType<typeof startServer>>) => server.agents()[0]?.standbyStreams;

  async function echoOnce(stream: TunnelStream, text: string): Promise<string> {
    const received = collect(stream);
    await stream.send(text);
    const reply = await received.next();
    stream.end();
    return reply.data.toString('utf8');
  }

  it('keeps the streams the gateway asks for, hands one to an exchange at once, and refills', async () => {
    const { server, opened } = await setup(3);
    await waitUntil(() => standby(server) === 3, 5000, 'three standby streams');

    const stream = await server.openSession(exchangeRequest('x-1'));
    // Taken from the pool: the stream was there before the request, not opened for it.
    expect(standby(server)).toBe(2);
    expect(await echoOnce(stream, '{"n":1}')).toBe('{"n":1}');
    expect(opened.map((r) => [r.sessionId, r.kind, r.era, r.forwardHeaders])).toEqual([
      ['x-1', 'exchange', 'modern', { 'mcp-param-region': 'eu-west-1' }],
    ]);
    await waitUntil(() => standby(server) === 3, 5000, 'the agent to replace the stream it gave');

    // A legacy session lives long and is opened on demand: it leaves the pool to exchanges.
    const session = await server.openSession(sessionRequest('legacy-1'));
    expect(standby(server)).toBe(3);
    expect(await echoOnce(session, '{"legacy":1}')).toBe('{"legacy":1}');
  });

  it('serves exchange after exchange, each on its own stream with its own session, past the pool size', async () => {
    const { server, opened } = await setup(2);
    await waitUntil(() => standby(server) === 2, 5000, 'two standby streams');
    for (let i = 0; i < 6; i++) {
      const stream = await server.openSession(exchangeRequest(`seq-${i}`));
      expect(stream.sessionId).toBe(`seq-${i}`);
      expect(await echoOnce(stream, `{"i":${i}}`)).toBe(`{"i":${i}}`);
    }
    expect(opened.map((r) => r.sessionId)).toEqual(['seq-0', 'seq-1', 'seq-2', 'seq-3', 'seq-4', 'seq-5']);
    await waitUntil(() => server.agents()[0]?.activeSessions === 0, 5000, 'every exchange to finish');
  });

  it('runs exchange after exchange on the same standby streams, and replaces one that ended with a failure', async () => {
    const { server } = await setup(2);
    await waitUntil(() => standby(server) === 2, 5000, 'two standby streams');
    const agent = () => server.agents()[0]!;
    for (let i = 0; i < 10; i++) {
      const stream = await server.openSession(exchangeRequest(`reuse-${i}`));
      expect(await echoOnce(stream, `{"i":${i}}`)).toBe(`{"i":${i}}`);
      // The stream comes back: the agent attached it again instead of opening a new call.
      await waitUntil(() => agent().standbyReuses === i + 1, 5000, `exchange ${i}'s stream to come back`);
    }
    // Two, or three when an exchange took longer than the agent waits before opening a replacement.
    expect(standby(server)).toBeGreaterThanOrEqual(2);

    // An exchange ended with a failure closes its call; the pool is refilled with a new one.
    const failed = await server.openSession(exchangeRequest('failed'));
    failed.end(new AirlockError('upstream_failed', 'the test gives up on it'));
    await waitUntil(() => standby(server)! >= 2 && agent().activeSessions === 0, 5000, 'a full pool again');
    expect(agent().standbyReuses).toBe(10);
    const after = await server.openSession(exchangeRequest('after'));
    expect(await echoOnce(after, '{"after":true}')).toBe('{"after":true}');
  });

  // Mixed versions. A stream rejoins the pool on a clean End, and an OpenSession carries the
  // request's first frame, only when both sides know it: an agent that sends an Attach to a
  // gateway that does not wait for one (or the reverse) breaks the next exchange on that stream or
  // never gets it back, and an agent that does not read first_frame loses the request.
  const WITHOUT = (...left: string[]) => AGENT_CAPABILITIES.filter((c) => !left.includes(c));
  for (const [label, versions] of [
    ['an agent that predates rejoining on End', { agentCapabilities: WITHOUT('standby-rejoin') }],
    ['a gateway that predates rejoining on End', { gatewayIgnores: ['standby-rejoin'] }],
    [
      'an agent that predates requests in the OpenSession',
      { agentCapabilities: WITHOUT('open-with-request') },
    ],
    ['a gateway that predates requests in the OpenSession', { gatewayIgnores: ['open-with-request'] }],
    ['an agent that predates both', { agentCapabilities: WITHOUT('standby-rejoin', 'open-with-request') }],
    ['both sides current', {}],
  ] as const) {
    it(`reuses streams exchange after exchange with ${label}`, async () => {
      const { server, opened } = await setup(1, versions);
      await waitUntil(() => standby(server) === 1, 5000, 'one standby stream');
      const agent = () => server.agents()[0]!;
      for (let i = 0; i < 5; i++) {
        const stream = await server.openSession(exchangeRequest(`mixed-${i}`));
        expect(await echoOnce(stream, `{"i":${i}}`)).toBe(`{"i":${i}}`);
        await waitUntil(() => agent().standbyReuses === i + 1, 5000, `exchange ${i}'s stream to come back`);
      }
      // A request larger than a frame: its first frame may ride in the OpenSession, the rest follow.
      const large = `{"large":"${'x'.repeat(300 * 1024)}"}`;
      const big = await server.openSession(exchangeRequest('large'));
      expect(await echoOnce(big, large)).toBe(large);
      // An exchange its client leaves before sending anything still reaches the agent, and ends there.
      const left = await server.openSession(exchangeRequest('left-early'));
      const leftSeen = collect(left);
      left.end();
      expect(await leftSeen.ended).toBeUndefined();
      await waitUntil(() => opened.some((r) => r.sessionId === 'left-early'), 5000, 'the agent to see it');
      // Concurrent exchanges grow the pool with streams opened on demand, which come back too.
      const streams = await Promise.all(
        Array.from({ length: 4 }, (_, i) => server.openSession(exchangeRequest(`burst-${i}`))),
      );
      expect(await Promise.all(streams.map((s, i) => echoOnce(s, `{"b":${i}}`)))).toEqual(
        Array.from({ length: 4 }, (_, i) => `{"b":${i}}`),
      );
      await waitUntil(
        () => standby(server)! >= 4 && agent().activeSessions === 0,
        5000,
        'the burst back in the pool',
      );
      const after = await server.openSession(exchangeRequest('after-burst'));
      expect(await echoOnce(after, '{"after":1}')).toBe('{"after":1}');
    });
  }

  it('falls back to opening on demand when the pool is empty, and under concurrency', async () => {
    const { server } = await setup(1);
    await waitUntil(() => standby(server) === 1, 5000, 'one standby stream');
    const streams = await Promise.all(
      Array.from({ length: 8 }, (_, i) => server.openSession(exchangeRequest(`c-${i}`))),
    );
    const replies = await Promise.all(streams.map((s, i) => echoOnce(s, `{"c":${i}}`)));
    expect(replies).toEqual(Array.from({ length: 8 }, (_, i) => `{"c":${i}}`));
    // Every stream that carried one comes back: the pool grows to the peak of concurrent exchanges.
    await waitUntil(() => standby(server)! >= 8, 5000, 'the eight streams back in the pool');
  });

  it('does not let an aborted exchange poison the next one', async () => {
    const opened: string[] = [];
    const server = await startServer({ standbyStreams: 2 });
    cleanup.push(() => server.close());
    let endedOnAgent: Promise<unknown> | undefined;
    const client = await startClient(server.port, {
      onSession: (request, stream) => {
        opened.push(request.sessionId);
        if (request.sessionId === 'aborted') {
          // Never answers: the gateway gives up on it.
          endedOnAgent = new Promise((resolve) =>
            stream.setHandler({ onMessage: () => undefined, onEnd: (failure) => resolve(failure) }),
          );
          return;
        }
        echoSessions(request, stream);
      },
    });
    cleanup.push(() => client.stop());
    await connected(client);
    await waitUntil(() => standby(server) === 2, 5000, 'two standby streams');

    const aborted = await server.openSession(exchangeRequest('aborted'));
    const abortedSeen = collect(aborted);
    await aborted.send('{"left":"unanswered"}');
    await waitUntil(() => endedOnAgent !== undefined, 5000, 'the agent to start the aborted exchange');
    aborted.end();
    await abortedSeen.ended;
    await endedOnAgent;

    const next = await server.openSession(exchangeRequest('next'));
    expect(await echoOnce(next, '{"fresh":true}')).toBe('{"fresh":true}');
    expect(opened).toEqual(['aborted', 'next']);
    await waitUntil(() => server.agents()[0]?.activeSessions === 0, 5000, 'both exchanges to finish');
  });

  it('drains the pool when the agent goes, fails the exchange on it, and fills a new one when it is back', async () => {
    const { server, client } = await setup(2);
    await waitUntil(() => standby(server) === 2, 5000, 'two standby streams');
    const running = await server.openSession(exchangeRequest('cut'));
    const cut = collect(running);

    await client.stop();
    expect((await cut.ended)?.code).toBe('tunnel_closed');
    await waitUntil(() => server.agents().length === 0, 5000, 'the agent to leave');
    await expect(server.openSession(exchangeRequest('nobody'))).rejects.toMatchObject({
      code: 'agent_unavailable',
    });

    client.start();
    await connected(client);
    await waitUntil(() => standby(server) === 2, 5000, 'a new pool');
    const again = await server.openSession(exchangeRequest('again'));
    expect(await echoOnce(again, '{"back":1}')).toBe('{"back":1}');
  });

  it('keeps legacy sessions on OpenSession, and opens none ahead when the gateway asks for none', async () => {
    const { server } = await setup(0);
    const session = await server.openSession(sessionRequest('legacy-1'));
    expect(await echoOnce(session, '{"legacy":1}')).toBe('{"legacy":1}');
    const exchange = await server.openSession(exchangeRequest('x-none'));
    expect(await echoOnce(exchange, '{"modern":1}')).toBe('{"modern":1}');
    expect(standby(server)).toBe(0);
  });
});
