import { randomUUID } from 'node:crypto';
import type { RecordingEvent } from '@airlock/core';
import {
  startKinesalite,
  startKinesisFaultProxy,
  type KinesisFaultProxy,
  type RunningKinesalite,
} from '@airlock/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditItem } from '../../src/audit/audit-item.js';
import {
  KinesisAuditConsumer,
  type KinesisAuditConsumerOptions,
} from '../../src/audit/kinesis-audit-consumer.js';
import { KinesisSink } from '../../src/kinesis/kinesis-sink.js';
import { chainedEvents, sealed, useTestAwsEnvironment } from './chained-events.js';
import { storedRecords } from './stream-contents.js';

const MiB = 1024 * 1024;

describe('KinesisAuditConsumer against kinesalite', () => {
  let kinesis: RunningKinesalite;
  let proxy: KinesisFaultProxy;
  let stream: string;
  let sink: KinesisSink;
  const consumers: KinesisAuditConsumer[] = [];

  function consumer(options: Partial<KinesisAuditConsumerOptions> = {}): KinesisAuditConsumer {
    const created = new KinesisAuditConsumer({
      streamName: stream,
      region: kinesis.region,
      endpoint: proxy.endpoint,
      pollIntervalMs: 50,
      ...options,
    });
    consumers.push(created);
    return created;
  }

  /** Reads until `done` holds for what was read (or fails after `timeoutMs`). */
  async function readUntil(
    reader: KinesisAuditConsumer,
    done: (items: AuditItem[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<AuditItem[]> {
    const items: AuditItem[] = [];
    const timer = setTimeout(() => reader.close(), timeoutMs);
    // Also checked between items: a condition on the reader's stats may hold after a quiet round.
    const check = setInterval(() => done(items) && reader.close(), 50);
    try {
      for await (const item of reader.read()) {
        items.push(item);
        if (done(items)) break;
      }
    } finally {
      clearTimeout(timer);
      clearInterval(check);
    }
    if (!done(items)) throw new Error(`timed out; read ${JSON.stringify(items.map((i) => i.type))}`);
    return items;
  }

  const eventsOf = (items: AuditItem[]): RecordingEvent[] =>
    items.flatMap((item) => (item.type === 'event' ? [item.event] : []));

  beforeAll(async () => {
    useTestAwsEnvironment();
    kinesis = await startKinesalite();
    proxy = await startKinesisFaultProxy(kinesis.endpoint);
  });

  afterAll(async () => {
    await proxy.close();
    await kinesis.close();
  });

  beforeEach(async () => {
    stream = `audit-${randomUUID().slice(0, 8)}`;
    await kinesis.createStream(stream, 3);
    proxy.clearLog();
    sink = new KinesisSink({
      streamName: stream,
      region: kinesis.region,
      endpoint: proxy.endpoint,
      backoff: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  });

  afterEach(() => {
    sink.close();
    for (const c of consumers.splice(0)) c.close();
  });

  it('reads all shards and shows each event once, in seq order, though the batch was sent twice', async () => {
    // Fixed session ids: their partition keys spread over the shards the same way every run.
    const sessions = ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) =>
      chainedEvents(20, { sessionId: `session-${name}`, source: i % 2 === 0 ? 'gateway' : 'agent' }),
    );
    // Interleaved across sessions, as a busy gateway writes them; then the whole batch again.
    const batch = sessions[0]!.flatMap((_, i) => sessions.map((s) => s[i]!));
    await sink.send(batch);
    await sink.send(batch);
    const shards = new Set((await storedRecords(kinesis.client, stream)).map((r) => r.shardId));
    expect(shards.size).toBeGreaterThan(1);

    const reader = consumer();
    // Read until every record (240) went through: the second copies must yield nothing.
    const items = await readUntil(reader, () => reader.stats().records >= 240);
    expect(items.filter((i) => i.type !== 'event')).toEqual([]);
    const events = eventsOf(items);
    expect(new Set(events.map((e) => e.id)).size).toBe(120);
    for (const session of sessions) {
      const seen = events.filter(
        (e) => e.sessionId === session[0]!.sessionId && e.source === session[0]!.source,
      );
      expect(seen.map((e) => e.seq)).toEqual(session.map((e) => e.seq));
      expect(seen).toEqual(session);
    }
    expect(items.every((i) => i.type !== 'event' || i.verified)).toBe(true);
    expect(reader.stats().duplicates).toBe(120);
  });

  it('reassembles a 2.5 MiB event from its chunks, between small events of its session', async () => {
    // A chain whose middle event is large: re-sealed with a 2.5 MiB result, the next one relinked.
    const chain = chainedEvents(3);
    const large = sealed({
      ...chain[1]!,
      message: {
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'z'.repeat(2.5 * MiB) }] },
      },
    });
    const last = sealed({ ...chain[2]!, prevHash: large.hash });
    await sink.send([chain[0]!, large, last]);
    expect(proxy.requestsFor('PutRecords').flatMap((r) => r.entries)).toHaveLength(6); // 1 + 4 chunks + 1

    const items = await readUntil(consumer(), (read) => eventsOf(read).length >= 3);
    expect(items.filter((i) => i.type !== 'event')).toEqual([]);
    expect(eventsOf(items)).toEqual([chain[0], large, last]);
  });

  it('reports a tampered event loudly and still shows the rest verified', async () => {
    const chain = chainedEvents(8);
    const original = chain[4]!;
    const tampered = {
      ...original,
      message: { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'delete_everything' } },
    } as RecordingEvent;
    await sink.send(chain.map((e) => (e === original ? tampered : e)));

    const items = await readUntil(consumer(), (read) => eventsOf(read).length >= 8);
    const breaks = items.flatMap((i) => (i.type === 'chain_break' ? [i.break] : []));
    expect(breaks).toEqual([
      expect.objectContaining({ seq: 5, eventId: original.id, problem: 'hash_mismatch' }),
    ]);
    const breakAt = items.findIndex((i) => i.type === 'chain_break');
    expect(items[breakAt + 1]).toMatchObject({ type: 'event', verified: false, event: { seq: 5 } });
    expect(items.filter((i) => i.type === 'event' && i.verified)).toHaveLength(7);
  });

  it('reports a missing event as a gap once the reorder window has waited for it', async () => {
    const chain = chainedEvents(6);
    await sink.send(chain.filter((e) => e.seq !== 3));
    const reader = consumer({ reorder: { maxWaitMs: 400 } });
    const items = await readUntil(reader, (read) => eventsOf(read).length >= 5);
    expect(items.map((i) => (i.type === 'event' ? i.event.seq : `${i.type}`))).toEqual([
      1,
      2,
      'chain_break',
      4,
      5,
      6,
    ]);
    expect(items[2]).toMatchObject({ break: { problem: 'gap', seq: 3 } });
  });

  it('puts events in seq order when they arrive out of order (retried entries)', async () => {
    const chain = chainedEvents(12);
    proxy.failEntries({ pick: (index) => index < 6 }); // the first half lands after the second
    await sink.send(chain);
    const items = await readUntil(consumer(), (read) => eventsOf(read).length >= 12);
    expect(eventsOf(items).map((e) => e.seq)).toEqual(chain.map((e) => e.seq));
    expect(items.every((i) => i.type === 'event' && i.verified)).toBe(true);
  });

  it('from "latest" shows only what is put after it started, joining chains mid-way', async () => {
    const chain = chainedEvents(10);
    await sink.send(chain.slice(0, 4));
    let ready: () => void = () => undefined;
    const readingAllShards = new Promise<void>((resolve) => (ready = resolve));
    const reader = consumer({ from: 'latest', onReading: () => ready() });
    const reading = readUntil(reader, (read) => eventsOf(read).length >= 6);
    await readingAllShards; // its LATEST iterators are taken: what is put now is seen
    await sink.send(chain.slice(4));
    const items = await reading;
    expect(items[0]).toMatchObject({ type: 'chain_joined', seq: 5 });
    expect(eventsOf(items).map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(items.filter((i) => i.type === 'chain_break')).toEqual([]);
  });

  it('keeps reading through throttled GetRecords and a short outage', async () => {
    const chain = chainedEvents(5);
    await sink.send(chain);
    proxy.throttle(2, 'GetRecords');
    const reader = consumer();
    const reading = readUntil(reader, (read) => eventsOf(read).length >= 10, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await proxy.outage(1_000, 'reset');
    const more = chainedEvents(5);
    await sink.send(more);
    const items = await reading;
    // Two sessions may sit on different shards: order holds within a session, not across them.
    const ofSession = (id: string | undefined) => eventsOf(items).filter((e) => e.sessionId === id);
    expect(ofSession(chain[0]?.sessionId)).toEqual(chain);
    expect(ofSession(more[0]?.sessionId)).toEqual(more);
    expect(eventsOf(items)).toHaveLength(10);
    expect(proxy.requestsFor('GetRecords').filter((r) => r.outcome === 'throttled')).toHaveLength(2);
  }, 20_000);
});
