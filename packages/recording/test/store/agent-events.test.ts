import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentEvents, StoreBacklog, storeDeliverySink } from '../../src/index.js';
// The worker thread runs compiled code: the built package, as the gateway loads it.
import { WorkerStore } from '../../dist/index.js';
import { SessionScript } from './helpers/session-script.js';

/** The agent's events of a session (agent 'agent-1'), with `text` as each result. */
function agentEvents(sessionId: string, calls: number, text = 'ok'): RecordingEvent[] {
  const script = new SessionScript({
    sessionId,
    subject: 'alice',
    connection: 'github',
    startAt: new Date('2026-03-01T10:00:00Z'),
  }).start('agent');
  for (let i = 0; i < calls; i += 1) script.call('search', { q: i }, `${text} ${i}`, ['agent']);
  return script.events;
}

/** The events' JSON as views into one buffer, the way a gRPC message holds a batch's payloads. */
function asOneBuffer(events: readonly RecordingEvent[]): { whole: Buffer; payloads: Buffer[] } {
  const texts = events.map((e) => Buffer.from(JSON.stringify(e), 'utf8'));
  const whole = Buffer.concat(texts);
  let offset = 0;
  const payloads = texts.map((t) => {
    const view = whole.subarray(offset, offset + t.length);
    offset += t.length;
    return view;
  });
  return { whole, payloads };
}

describe("an agent's batch stored from its JSON in the store's thread", () => {
  let dir: string;
  let store: WorkerStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-agent-events-'));
    store = await WorkerStore.open({ dataDir: join(dir, 'store') });
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the events exactly, and leaves the caller its buffers', async () => {
    const events = agentEvents('agent-batch-1', 3);
    const { whole, payloads } = asOneBuffer(events);
    const copy = Buffer.from(whole);
    const backlog = new StoreBacklog();
    const stored = backlog.insertAgentEvents(store, 'agent-1', payloads);
    expect(backlog.events).toBe(events.length);
    expect((await stored).inserted).toBe(events.length);
    expect(backlog.events).toBe(0);
    expect(await store.getEvents('agent-batch-1')).toEqual(events);
    // Copied before they moved to the thread: the gRPC message's buffer is untouched.
    expect(whole.equals(copy)).toBe(true);
  });

  it('stores a large event (8 MiB of text) whole', async () => {
    const events = agentEvents('agent-batch-big', 1, 'x'.repeat(8 * 1024 * 1024));
    const { payloads } = asOneBuffer(events);
    expect((await store.insertAgentEvents('agent-1', payloads)).inserted).toBe(events.length);
    expect(await store.getEvents('agent-batch-big')).toEqual(events);
  });

  it("stores a gateway's spooled events from the store sink: a large one from its JSON, in the thread", async () => {
    const script = new SessionScript({
      sessionId: 'gateway-spooled',
      subject: 'alice',
      connection: 'github',
      startAt: new Date('2026-03-01T10:00:00Z'),
    }).start('gateway');
    script.call('search', { q: 1 }, 'y'.repeat(2 * 1024 * 1024), ['gateway']);
    const events = script.events;
    const json = events.map((e) => Buffer.from(JSON.stringify(e), 'utf8'));
    const large = json.findIndex((bytes) => bytes.length >= 1024 * 1024);
    expect(large).toBeGreaterThan(0);
    let parsed = 0;
    const records = events.map((event, i) => ({
      get event() {
        parsed += 1;
        return event;
      },
      json: json[i],
    }));
    await storeDeliverySink(store).deliver(records, new AbortController().signal);
    // Only the small ones were asked for as events; the large one went as its bytes.
    expect(parsed).toBe(events.length - 1);
    expect(await store.getEvents('gateway-spooled')).toEqual(events);
  });

  it("refuses a batch holding an event that is not the agent's own, and stores none of it", async () => {
    const events = agentEvents('agent-batch-forged', 1);
    const forged = [...events.slice(0, 2), { ...events[2]!, agentId: 'agent-2' }, ...events.slice(3)];
    await expect(store.insertAgentEvents('agent-1', asOneBuffer(forged).payloads)).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(
        /claims source "agent" and agent "agent-2"; agent "agent-1" may only send its own events/,
      ),
    });
    const asGateway = events.map((e) => ({ ...e, source: 'gateway' as const }));
    await expect(store.insertAgentEvents('agent-1', asOneBuffer(asGateway).payloads)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(await store.getSession('agent-batch-forged')).toBeUndefined();
  });

  it('refuses bytes that are not a recording event, naming which', async () => {
    const notJson = [Buffer.from(JSON.stringify(agentEvents('agent-batch-x', 0)[0])), Buffer.from('{"id":')];
    await expect(store.insertAgentEvents('agent-1', notJson)).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(
        /^Recording event 1 of the batch was refused: The body is not valid JSON/,
      ),
    });
    await expect(store.insertAgentEvents('agent-1', [Buffer.from('{"id":"e"}')])).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'Recording event 0 of the batch is not a recording event (schema 1 or 2).',
    });
  });
});

describe('parseAgentEvents', () => {
  it('reads events from views into a larger buffer', () => {
    const events = agentEvents('parse-views', 2);
    expect(parseAgentEvents('agent-1', asOneBuffer(events).payloads)).toEqual(events);
  });
});
