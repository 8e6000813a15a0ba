import type { SessionOpenRequest } from '@airlock/core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_CAPABILITIES as CURRENT, END_WITH_ANSWER_CAPABILITY } from '../src/capabilities.js';
import type { TunnelStream } from '../src/index.js';
import {
  captureLog,
  collect,
  connected,
  exchangeRequest,
  startClient,
  startServer,
  waitUntil,
} from './tunnel-harness.js';

type Side = 'gateway' | 'agent';
type WriteFn = (chunk: Record<string, unknown>, encoding: string, callback: () => void) => void;
const SESSION_KINDS = ['open', 'attach', 'frame', 'end'];

/**
 * Counts the Session messages each side writes on its gRPC calls, by kind, by wrapping grpc-js's
 * duplex call classes (server side: the gateway; client side: the agent) for the test's length.
 */
function countSessionWrites(): { counts: Record<Side, Record<string, number>>; restore: () => void } {
  const require = createRequire(import.meta.url);
  const build = dirname(require.resolve('@grpc/grpc-js'));
  type CallClass = { prototype: { _write: WriteFn } };
  const load = (file: string, name: string) =>
    (require(join(build, file)) as Record<string, CallClass>)[name] as CallClass;
  const sides: [Side, CallClass][] = [
    ['gateway', load('server-call.js', 'ServerDuplexStreamImpl')],
    ['agent', load('call.js', 'ClientDuplexStreamImpl')],
  ];
  const counts: Record<Side, Record<string, number>> = { gateway: {}, agent: {} };
  const originals = sides.map(([side, impl]) => {
    const original = impl.prototype._write;
    impl.prototype._write = function (this: unknown, chunk, encoding, callback) {
      const kind = SESSION_KINDS.find((k) => chunk[k] !== undefined && chunk[k] !== null);
      if (kind) counts[side][kind] = (counts[side][kind] ?? 0) + 1;
      original.call(this, chunk, encoding, callback);
    };
    return () => (impl.prototype._write = original);
  });
  return { counts, restore: () => originals.forEach((restore) => restore()) };
}

/** An agent like the real one: the exchange's answer goes with `last`, then its side ends. */
function answerWithLast(_request: SessionOpenRequest, stream: TunnelStream): void {
  stream.setHandler({
    onMessage: (message) => {
      void stream
        .send(message.data, { relatedRequest: 'echo', last: true })
        .then(() => stream.end())
        .catch(() => undefined);
    },
    onEnd: () => stream.end(),
  });
}

describe('tunnel: an exchange that ends with its answer', () => {
  const cleanup: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(
    capabilities: readonly string[],
    onSession = answerWithLast,
    gatewayIgnores?: string[],
  ) {
    const server = await startServer({
      standbyStreams: 1,
      ...(gatewayIgnores ? { testOnly: { ignoredCapabilities: gatewayIgnores } } : {}),
    });
    cleanup.push(() => server.close());
    const agentLog = captureLog('info');
    const client = await startClient(server.port, {
      onSession,
      logger: agentLog.logger,
      testOnly: { capabilities },
    });
    cleanup.push(() => client.stop());
    await connected(client);
    await waitUntil(() => server.agents()[0]?.standbyStreams === 1, 5000, 'one standby stream');
    const agent = () => server.agents()[0]!;
    /** One exchange the way the gateway runs one: the request, its answer, then its own end. */
    const exchange = async (id: string, text: string): Promise<string> => {
      const reuses = agent().standbyReuses;
      const stream = await server.openSession(exchangeRequest(id));
      const received = collect(stream);
      await stream.send(text);
      const reply = await received.next();
      stream.end();
      expect(await received.ended).toBeUndefined();
      await waitUntil(
        () => agent().standbyReuses === reuses + 1,
        5000,
        `exchange ${id}'s stream to come back`,
      );
      return reply.data.toString('utf8');
    };
    return { server, agent, agentLog, exchange };
  }

  it('takes two gRPC messages: the OpenSession with the request, and the answer with the End', async () => {
    const { exchange } = await setup(CURRENT);
    expect(await exchange('warm', '{"warm":1}')).toBe('{"warm":1}');
    const wire = countSessionWrites();
    cleanup.push(wire.restore);
    for (let i = 0; i < 5; i++) expect(await exchange(`x-${i}`, `{"i":${i}}`)).toBe(`{"i":${i}}`);
    wire.restore();
    expect(wire.counts).toEqual({ gateway: { open: 5 }, agent: { frame: 5 } });

    // An answer larger than a frame: the End rides on its last chunk.
    const large = `{"large":"${'x'.repeat(300 * 1024)}"}`;
    expect(await exchange('large', large)).toBe(large);
    expect(await exchange('after-large', '{"after":1}')).toBe('{"after":1}');
  });

  for (const [label, agentCapabilities, gatewayIgnores] of [
    ['an agent', CURRENT.filter((c) => c !== END_WITH_ANSWER_CAPABILITY), undefined],
    ['a gateway', CURRENT, [END_WITH_ANSWER_CAPABILITY]],
  ] as const) {
    it(`sends an End each way with ${label} that predates it, and still reuses the stream`, async () => {
      const { exchange } = await setup(
        agentCapabilities,
        answerWithLast,
        gatewayIgnores && [...gatewayIgnores],
      );
      expect(await exchange('warm', '{"warm":1}')).toBe('{"warm":1}');
      const wire = countSessionWrites();
      cleanup.push(wire.restore);
      for (let i = 0; i < 5; i++) expect(await exchange(`x-${i}`, `{"i":${i}}`)).toBe(`{"i":${i}}`);
      wire.restore();
      // (Attach: new standby streams, as the agent refills its pool while a taken one is out.)
      expect(wire.counts.gateway).toEqual({ open: 5, end: 5 });
      expect(wire.counts.agent).toMatchObject({ frame: 5, end: 5 });
    });
  }

  it('keeps the stream when the gateway ends the exchange as the answer crosses it', async () => {
    let answered!: () => void;
    const answeredOnAgent = new Promise<void>((resolve) => (answered = resolve));
    const { server, agent, agentLog, exchange } = await setup(CURRENT, (request, stream) => {
      if (request.sessionId !== 'crossing') return answerWithLast(request, stream);
      stream.setHandler({
        onMessage: (message) => {
          void stream.send(message.data, { last: true }).then(() => {
            answered();
            stream.end();
          });
        },
        onEnd: () => stream.end(),
      });
    });
    expect(await exchange('warm', '{"warm":1}')).toBe('{"warm":1}');

    // The gateway's client leaves: its End goes out after the agent's answer (with the agent's
    // End on it) is on its way, and before the gateway has read that answer.
    const reuses = agent().standbyReuses;
    const wire = countSessionWrites();
    cleanup.push(wire.restore);
    const stream = await server.openSession(exchangeRequest('crossing'));
    const received = collect(stream);
    stream.pause();
    await stream.send('{"crossing":1}');
    await answeredOnAgent;
    stream.end();
    expect(await received.ended).toBeUndefined();

    // Both sides put the stream back: the agent skips the gateway's late End on it.
    await waitUntil(() => agent().standbyReuses === reuses + 1, 5000, 'the crossed stream to come back');
    wire.restore();
    expect(wire.counts).toEqual({ gateway: { open: 1, end: 1 }, agent: { frame: 1 } });
    for (let i = 0; i < 3; i++) expect(await exchange(`next-${i}`, `{"n":${i}}`)).toBe(`{"n":${i}}`);
    expect(agentLog.text()).not.toMatch(/"level":(40|50)/);
  });
});
