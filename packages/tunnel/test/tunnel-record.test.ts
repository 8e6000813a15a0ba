import { GENESIS_HASH, type RecordingEvent } from '@airlock/core';
import { parseAgentEvents } from '@airlock/recording';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_ID, connected, startClient, startServer } from './tunnel-harness.js';

function agentEvent(seq: number, overrides: Partial<RecordingEvent> = {}): RecordingEvent {
  return {
    schema: 1,
    id: `event-${seq}`,
    sessionId: 'session-1',
    source: 'agent',
    agentId: AGENT_ID,
    seq,
    at: new Date(1_700_000_000_000 + seq).toISOString(),
    kind: 'message',
    identity: { subject: 'alice', groups: [] },
    connection: 'echo',
    era: 'legacy',
    protocolVersion: '2025-11-25',
    direction: 'client_to_server',
    message: { jsonrpc: '2.0', id: seq, method: 'tools/list' },
    prevHash: GENESIS_HASH,
    hash: 'a'.repeat(64),
    ...overrides,
  };
}

/** Events as a spool hands them over, without their spooled JSON. */
const batch = (...events: RecordingEvent[]) => events.map((event) => ({ event }));

describe('tunnel: the Record call (agent recording events to the gateway)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('delivers batches in order and resolves once the gateway has stored each', async () => {
    const stored: { agentId: string; ids: string[] }[] = [];
    const server = await startServer({
      onRecord: async (agentId, payloads) => {
        await new Promise((r) => setTimeout(r, 5));
        stored.push({
          agentId,
          ids: payloads.map((p) => (JSON.parse(p.toString('utf8')) as RecordingEvent).id),
        });
      },
    });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    await Promise.all([
      client.record(batch(agentEvent(1), agentEvent(2))),
      client.record(batch(agentEvent(3))),
    ]);
    expect(stored).toEqual([
      { agentId: AGENT_ID, ids: ['event-1', 'event-2'] },
      { agentId: AGENT_ID, ids: ['event-3'] },
    ]);
  });

  it('sends the JSON the spool holds as it is, and serialises only events without it', async () => {
    const received: RecordingEvent[] = [];
    const server = await startServer({
      onRecord: async (_agentId, payloads) => {
        received.push(...payloads.map((p) => JSON.parse(p.toString('utf8')) as RecordingEvent));
      },
    });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    const spooled = agentEvent(1);
    // As the recorder spools it: keys in canonical (sorted) order, unlike the object's.
    const sorted = Object.fromEntries(Object.entries(spooled).sort(([a], [b]) => (a < b ? -1 : 1)));
    const json = Buffer.from(JSON.stringify(sorted), 'utf8');
    await client.record([{ event: spooled, json }, { event: agentEvent(2) }]);
    expect(received).toEqual([spooled, agentEvent(2)]);
    expect(Object.keys(received[0] as RecordingEvent)).toEqual(Object.keys(spooled).sort());
    expect(Object.keys(received[1] as RecordingEvent)).toEqual(Object.keys(agentEvent(2)));
  });

  it("gives back a large batch's memory once the gateway has stored it", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const arrayBuffers = (): number => {
      gc();
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    let storedBytes = 0;
    const server = await startServer({
      onRecord: async (_agentId, payloads) => {
        for (const payload of payloads) storedBytes += payload.length;
      },
    });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    await client.record(batch(agentEvent(1)));
    const before = arrayBuffers();
    const big = agentEvent(2, {
      message: {
        jsonrpc: '2.0',
        id: 2,
        result: { content: [{ type: 'text', text: 'x'.repeat(40 * 1024 * 1024) }] },
      },
    });
    await client.record(batch(big));
    expect(storedBytes).toBeGreaterThan(40 * 1024 * 1024);
    // Nothing of the 40 MiB batch stays referenced once its call has closed (grpc-js kept a
    // call's last message for a retry until the next write, however long that took).
    let held = arrayBuffers() - before;
    for (let tries = 0; tries < 40 && held >= 8 * 1024 * 1024; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      held = arrayBuffers() - before;
    }
    expect(held).toBeLessThan(8 * 1024 * 1024);
    // And the next batch goes out on a new call as before.
    await client.record(batch(agentEvent(3)));
  });

  it("answers with the handler's refusal, and with failures of the store", async () => {
    let failStore = false;
    const server = await startServer({
      onRecord: async (agentId, payloads) => {
        // What the gateway's store does with a batch (insertAgentEvents).
        parseAgentEvents(agentId, payloads);
        if (failStore) throw new Error('disk on fire');
      },
    });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    await expect(client.record(batch(agentEvent(1, { agentId: 'someone-else' })))).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/may only send its own events/),
    });
    await expect(client.record(batch(agentEvent(1, { source: 'gateway' })))).rejects.toMatchObject({
      code: 'invalid_request',
    });
    failStore = true;
    await expect(client.record(batch(agentEvent(1)))).rejects.toMatchObject({
      code: 'recording_unavailable',
    });
    failStore = false;
    await expect(client.record(batch(agentEvent(1)))).resolves.toBeUndefined();
  });

  it('rejects while not connected, so the agent keeps the events spooled', async () => {
    const server = await startServer({ onRecord: async () => undefined });
    cleanup.push(() => server.close());
    const client = await startClient(server.port);
    cleanup.push(() => client.stop());
    await connected(client);
    await client.stop();
    await expect(client.record(batch(agentEvent(1)))).rejects.toMatchObject({ code: 'tunnel_closed' });
  });
});
