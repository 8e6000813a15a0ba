import { AirlockError } from '@airlock/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  captureLog,
  collect,
  connected,
  sessionRequest,
  startClient,
  startServer,
} from './tunnel-harness.js';

describe('tunnel: reconnects and liveness', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('reconnects to a restarted gateway on the same port and serves sessions again', async () => {
    const first = await startServer();
    const port = first.port;
    const client = await startClient(port);
    cleanup.push(() => client.stop());
    await connected(client);
    const before = await first.openSession(sessionRequest('r-1'));
    const beforeEnd = collect(before).ended;

    const lost = new Promise<[AirlockError, boolean]>((resolve) =>
      client.once('disconnected', (r, w) => resolve([r, w])),
    );
    await first.close();
    const [reason, wasConnected] = await lost;
    expect(wasConnected).toBe(true);
    expect(reason).toBeInstanceOf(AirlockError);
    expect(await beforeEnd).toMatchObject({ code: 'tunnel_closed' });
    expect(client.state).not.toBe('connected');

    const second = await startServer({ port });
    cleanup.push(() => second.close());
    expect(second.port).toBe(port);
    await connected(client);
    expect(second.agents().map((a) => a.id)).toEqual(['agent-a']);

    const stream = await second.openSession(sessionRequest('r-2'));
    const received = collect(stream);
    await stream.send('{"jsonrpc":"2.0","id":7,"method":"tools/list"}');
    expect((await received.next()).data.toString()).toContain('tools/list');
    stream.end();
  });

  it('drops an agent that stops sending heartbeats, failing its sessions', async () => {
    const log = captureLog('info');
    const server = await startServer({ heartbeatIntervalMs: 100, logger: log.logger });
    cleanup.push(() => server.close());
    const client = await startClient(server.port, { testOnly: { suppressHeartbeats: true } });
    cleanup.push(() => client.stop());
    await connected(client);
    const connectedAt = Date.now();
    const stream = await server.openSession(sessionRequest('h-1'));
    const ended = collect(stream).ended;

    const [, reason] = await new Promise<[unknown, AirlockError]>((resolve) =>
      server.once('agentDisconnected', (agent, r) => resolve([agent, r])),
    );
    const elapsed = Date.now() - connectedAt;
    expect(reason.message).toMatch(/no heartbeat for \d+ ms/);
    // 3 intervals of 100 ms, checked every 100 ms: dropped after 300-400 ms, not at once, not late.
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect(await ended).toMatchObject({ code: 'tunnel_closed' });
    expect(log.text()).toContain('agent missed its heartbeats');
  });

  it('keeps a healthy agent connected across many heartbeat intervals', async () => {
    const server = await startServer({ heartbeatIntervalMs: 50 });
    cleanup.push(() => server.close());
    const client = await startClient(server.port, { heartbeatIntervalMs: 1000 });
    cleanup.push(() => client.stop());
    await connected(client);
    let drops = 0;
    server.on('agentDisconnected', () => drops++);
    await new Promise((r) => setTimeout(r, 600));
    expect(drops).toBe(0);
    expect(client.state).toBe('connected');
  });

  it('keeps the tunnel when the event loop is held past the heartbeat limit (a large message handled in one go)', async () => {
    // Gateway and agent share this process: one synchronous task holds both loops, as parsing,
    // masking or serialising a large message does, while both peers' heartbeats wait unread.
    const heldMs = Number(process.env.AIRLOCK_TEST_LOOP_HOLD_MS ?? 800);
    const server = await startServer({ heartbeatIntervalMs: 100 });
    cleanup.push(() => server.close());
    const client = await startClient(server.port, { heartbeatIntervalMs: 100 });
    cleanup.push(() => client.stop());
    await connected(client);
    const drops: string[] = [];
    server.on('agentDisconnected', (_agent, reason) => drops.push(`gateway: ${reason.message}`));
    client.on('disconnected', (reason) => drops.push(`agent: ${reason.message}`));
    await new Promise((r) => setTimeout(r, 150));

    const until = performance.now() + heldMs;
    while (performance.now() < until) {
      // Held, well past 3 heartbeat intervals (300 ms).
    }
    await new Promise((r) => setTimeout(r, 400));

    expect(drops).toEqual([]);
    expect(client.state).toBe('connected');
    const stream = await server.openSession(sessionRequest('held-1'));
    const received = collect(stream);
    await stream.send('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    expect((await received.next()).data.toString()).toContain('ping');
    stream.end();
  });

  it('still drops an agent that stays silent after a held event loop', async () => {
    const log = captureLog('info');
    const server = await startServer({ heartbeatIntervalMs: 100, logger: log.logger });
    cleanup.push(() => server.close());
    const client = await startClient(server.port, { testOnly: { suppressHeartbeats: true } });
    cleanup.push(() => client.stop());
    await connected(client);
    const dropped = new Promise<AirlockError>((resolve) =>
      server.once('agentDisconnected', (_agent, reason) => resolve(reason)),
    );
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // A short hold: the verdict waits one tick, then the silence is the agent's own.
    }
    expect((await dropped).message).toMatch(/no heartbeat for \d+ ms/);
  });

  it('ends the session with upstream_failed when the agent session handler throws', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const client = await startClient(server.port, {
      onSession: () => {
        throw new Error('boom: upstream would not start');
      },
    });
    cleanup.push(() => client.stop());
    await connected(client);
    const stream = await server.openSession(sessionRequest('t-1'));
    expect(await collect(stream).ended).toMatchObject({
      code: 'upstream_failed',
      message: 'boom: upstream would not start',
    });
  });

  it('fails fast when the gateway port is closed, then connects once it listens', async () => {
    const probe = await startServer();
    const port = probe.port;
    await probe.close();
    const client = await startClient(port);
    cleanup.push(() => client.stop());
    await new Promise<void>((resolve) => client.once('disconnected', () => resolve()));
    expect(['backoff', 'connecting']).toContain(client.state);
    const server = await startServer({ port });
    cleanup.push(() => server.close());
    await connected(client);
  });
});
