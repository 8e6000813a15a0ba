import { AirlockError } from '@airlock/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { TunnelStream } from '../src/index.js';
import {
  AGENT_ID,
  AGENT_TOKEN,
  captureLog,
  collect,
  connected,
  ECHO,
  sessionRequest,
  startClient,
  startServer,
  waitUntil,
} from './tunnel-harness.js';

describe('tunnel: hello, registry and sessions', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function setup(options: Parameters<typeof startServer>[0] = {}, clientOptions = {}) {
    const server = await startServer(options);
    cleanup.push(() => server.close());
    const client = await startClient(server.port, clientOptions);
    cleanup.push(() => client.stop());
    return { server, client };
  }

  it('welcomes the agent and lists it with its connections', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const seen = new Promise<string>((resolve) => server.once('agentConnected', (a) => resolve(a.id)));
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    expect(await seen).toBe(AGENT_ID);
    expect(client.state).toBe('connected');
    expect(client.gatewayId).toBe('gw-test');

    const [agent, ...others] = server.agents();
    expect(others).toHaveLength(0);
    expect(agent).toMatchObject({
      id: AGENT_ID,
      version: '0.1.0-test',
      activeSessions: 0,
      connections: [ECHO],
    });
    expect(agent?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.connection('echo')).toEqual({ transport: 'stdio', eras: ['legacy', 'modern'] });
    expect(server.connection('nope')).toBeUndefined();
  });

  it('opens a session and carries messages both ways with their metadata', async () => {
    const { server, client } = await setup();
    await connected(client);
    const stream = await server.openSession(sessionRequest('s-1'));
    expect(stream.sessionId).toBe('s-1');
    expect(server.agents()[0]?.activeSessions).toBe(1);
    const received = collect(stream);
    await stream.send('{"jsonrpc":"2.0","id":1,"method":"ping"}', { relatedRequest: 'n:1' });
    const reply = await received.next();
    expect(reply.data.toString()).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    expect(reply.relatedRequest).toBe('echo:n:1');
    expect(reply.httpStatus).toBe(202);

    // Unicode and an empty message survive too.
    await stream.send('{"text":"héllo ✓"}');
    expect((await received.next()).data.toString()).toBe('{"text":"héllo ✓"}');
    await stream.send('');
    expect((await received.next()).data.length).toBe(0);

    stream.end();
    expect(stream.ended).toBe(true);
    await expect(stream.send('{}')).rejects.toMatchObject({ code: 'tunnel_closed' });
    await waitUntil(() => server.agents()[0]?.activeSessions === 0, 2000, 'session count to drop');
  });

  it('hands the agent the request the gateway sent', async () => {
    let seen: unknown;
    const { server, client } = await setup(
      {},
      {
        onSession: (request: unknown, stream: TunnelStream) => {
          seen = request;
          stream.setHandler({ onMessage: () => undefined, onEnd: () => undefined });
          stream.end(new AirlockError('upstream_failed', 'upstream refused: try later'));
        },
      },
    );
    await connected(client);
    const stream = await server.openSession({ ...sessionRequest('s-2'), era: 'modern', kind: 'exchange' });
    const failure = await collect(stream).ended;
    expect(seen).toEqual({ ...sessionRequest('s-2'), era: 'modern', kind: 'exchange' });
    expect(failure).toBeInstanceOf(AirlockError);
    expect(failure).toMatchObject({ code: 'upstream_failed', message: 'upstream refused: try later' });
  });

  it('rejects at once when no agent serves the connection', async () => {
    const { server, client } = await setup();
    await connected(client);
    const started = performance.now();
    const error = await server.openSession(sessionRequest('s-3', 'billing')).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('agent_unavailable');
    expect((error as AirlockError).message).toContain('"billing"');
    expect(elapsed).toBeLessThan(100);
  });

  it('ignores connections the agent is not enrolled for', async () => {
    const log = captureLog('info');
    const { server, client } = await setup(
      { enrolledConnections: ['echo'], logger: log.logger },
      { connections: [ECHO, { name: 'secrets', transport: 'http', eras: ['modern'] }] },
    );
    await connected(client);
    expect(server.agents()[0]?.connections.map((c) => c.name)).toEqual(['echo']);
    await expect(server.openSession(sessionRequest('s-4', 'secrets'))).rejects.toMatchObject({
      code: 'agent_unavailable',
    });
    expect(log.text()).toContain('not enrolled for');
  });

  it('refuses a bad token without logging it', async () => {
    const serverLog = captureLog('debug');
    const clientLog = captureLog('debug');
    const wrongToken = 'alk_wrong-token-zyxwvutsrqponmlkjihgfedcba';
    const server = await startServer({ logger: serverLog.logger });
    cleanup.push(() => server.close());
    const client = await startClient(server.port, { token: wrongToken, logger: clientLog.logger });
    cleanup.push(() => client.stop());
    const [reason, wasConnected] = await new Promise<[AirlockError, boolean]>((resolve) =>
      client.once('disconnected', (r, w) => resolve([r, w])),
    );
    expect(reason.code).toBe('agent_unauthenticated');
    expect(reason.message).toContain('refused agent "agent-a"');
    expect(wasConnected).toBe(false);
    expect(client.state).toBe('backoff');
    expect(server.agents()).toHaveLength(0);

    await waitUntil(() => serverLog.text().includes('agent authentication failed'), 2000, 'server warning');
    expect(serverLog.text()).toContain(AGENT_ID);
    expect(serverLog.text()).toContain('127.0.0.1');
    expect(clientLog.text()).toContain("the gateway refused this agent's token");
    for (const text of [serverLog.text(), clientLog.text()]) {
      expect(text).not.toContain(wrongToken);
      expect(text).not.toContain(AGENT_TOKEN);
    }
  });

  it('ends gateway-side streams with tunnel_closed when the agent goes away', async () => {
    const { server, client } = await setup();
    await connected(client);
    const streams = await Promise.all([
      server.openSession(sessionRequest('s-5')),
      server.openSession(sessionRequest('s-6')),
    ]);
    const ends = streams.map((s) => collect(s).ended);
    const disconnected = new Promise((resolve) => server.once('agentDisconnected', resolve));
    await client.stop();
    for (const failure of await Promise.all(ends)) {
      expect(failure).toBeInstanceOf(AirlockError);
      expect(failure?.code).toBe('tunnel_closed');
      expect(failure?.message).toContain('The agent serving "echo" disconnected');
    }
    await disconnected;
    expect(server.agents()).toHaveLength(0);
    await expect(server.openSession(sessionRequest('s-7'))).rejects.toMatchObject({
      code: 'agent_unavailable',
    });
  });

  it('spreads sessions over agents by load', async () => {
    // One agent id per TunnelClient: enrol a second agent through a custom authenticator.
    const server = await startServer({
      authenticator: {
        authenticate: (id: string, token: string) =>
          token === AGENT_TOKEN ? { id, connections: [] } : undefined,
      },
    });
    cleanup.push(() => server.close());
    const a = await startClient(server.port);
    const b = await startClient(server.port, { agentId: 'agent-b' });
    cleanup.push(
      () => a.stop(),
      () => b.stop(),
    );
    await Promise.all([connected(a), connected(b)]);
    const streams: TunnelStream[] = [];
    for (let i = 0; i < 4; i++) streams.push(await server.openSession(sessionRequest(`lb-${i}`)));
    expect(server.agents().map((s) => s.activeSessions)).toEqual([2, 2]);
    for (const s of streams) s.end();
  });
});
