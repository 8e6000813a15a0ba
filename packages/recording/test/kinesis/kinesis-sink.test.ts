import { randomUUID } from 'node:crypto';
import { AirlockError } from '@airlock/core';
import {
  startKinesalite,
  startKinesisFaultProxy,
  type KinesisFaultProxy,
  type RunningKinesalite,
} from '@airlock/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KinesisSink, type KinesisSinkOptions } from '../../src/kinesis/kinesis-sink.js';
import { chainedEvents, useTestAwsEnvironment } from './chained-events.js';
import { eventIdsOf, storedRecords } from './stream-contents.js';

const MiB = 1024 * 1024;

describe('KinesisSink against kinesalite through the fault proxy', () => {
  let kinesis: RunningKinesalite;
  let proxy: KinesisFaultProxy;
  let stream: string;
  const sinks: KinesisSink[] = [];

  function sink(options: Partial<KinesisSinkOptions> = {}): KinesisSink {
    // No credentials given: the default provider chain finds them in the environment.
    const created = new KinesisSink({
      streamName: stream,
      region: kinesis.region,
      endpoint: proxy.endpoint,
      backoff: { baseDelayMs: 20, maxDelayMs: 250 },
      ...options,
    });
    sinks.push(created);
    return created;
  }

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
    stream = `rec-${randomUUID().slice(0, 8)}`;
    await kinesis.createStream(stream, 2);
    proxy.clearLog();
  });

  afterEach(() => {
    for (const s of sinks.splice(0)) s.close();
  });

  it('splits 600 events into two PutRecords (500 + 100), partition key = session id', async () => {
    const sessions = [chainedEvents(200), chainedEvents(200), chainedEvents(200)];
    const events = sessions.flat();
    const s = sink();
    await s.send(events);

    const puts = proxy.requestsFor('PutRecords');
    expect(puts.map((r) => r.entries.length)).toEqual([500, 100]);
    const keys = puts.flatMap((r) => r.entries.map((e) => e.partitionKey));
    expect(keys).toEqual(events.map((e) => e.sessionId));

    const stored = await storedRecords(kinesis.client, stream);
    expect(eventIdsOf(stored).sort()).toEqual(events.map((e) => e.id).sort());
    // One session, one shard: its events stay in order on it.
    for (const session of sessions) {
      const shardIds = new Set(
        stored.filter((r) => r.partitionKey === session[0]!.sessionId).map((r) => r.shardId),
      );
      expect(shardIds.size).toBe(1);
    }
    expect(s.metrics()).toMatchObject({ eventsSent: 600, recordsSent: 600, requests: 2, failedAttempts: 0 });
  });

  it('keeps each PutRecords within 5 MiB: seven 900 KiB events take two requests', async () => {
    const events = chainedEvents(7, { padding: 900 * 1024 });
    await sink().send(events);
    const puts = proxy.requestsFor('PutRecords');
    expect(puts.map((r) => r.entries.length)).toEqual([5, 2]);
    for (const put of puts) {
      const bytes = put.entries.reduce((sum, e) => sum + e.bytes + Buffer.byteLength(e.partitionKey), 0);
      expect(bytes).toBeLessThanOrEqual(5 * MiB);
    }
    expect(eventIdsOf(await storedRecords(kinesis.client, stream)).sort()).toEqual(
      events.map((e) => e.id).sort(),
    );
  });

  it('chunks a 2.5 MiB event into records of at most 1 MiB with the documented envelope', async () => {
    const [event] = chainedEvents(1, { padding: 2.5 * MiB });
    await sink().send([event!]);
    const entries = proxy.requestsFor('PutRecords').flatMap((r) => r.entries);
    expect(entries).toHaveLength(4);
    const envelopes = entries.map((e) => {
      expect(e.bytes + Buffer.byteLength(e.partitionKey)).toBeLessThanOrEqual(MiB);
      expect(e.partitionKey).toBe(event!.sessionId);
      return JSON.parse(e.data.toString('utf8')) as Record<string, unknown>;
    });
    expect(envelopes.map((e) => [e.v, e.eventId, e.sessionId, e.chunk, e.chunks])).toEqual(
      [0, 1, 2, 3].map((chunk) => [1, event!.id, event!.sessionId, chunk, 4]),
    );
    const text = Buffer.concat(envelopes.map((e) => Buffer.from(e.data as string, 'base64'))).toString(
      'utf8',
    );
    expect(JSON.parse(text)).toEqual(event);
  });

  it('backs off on ProvisionedThroughputExceeded and then delivers everything', async () => {
    proxy.throttle(3, 'PutRecords');
    const events = chainedEvents(10);
    const retries: string[] = [];
    const s = sink({ onRetry: (r) => retries.push(r.reason) });
    await s.send(events);
    expect(proxy.requestsFor('PutRecords').map((r) => r.outcome)).toEqual([
      'throttled',
      'throttled',
      'throttled',
      'forwarded',
    ]);
    expect(retries).toEqual(['throttled', 'throttled', 'throttled']);
    expect(s.metrics()).toMatchObject({
      requests: 4,
      failedAttempts: 3,
      throttledAttempts: 3,
      recordsSent: 10,
    });
    expect(eventIdsOf(await storedRecords(kinesis.client, stream))).toHaveLength(10);
  });

  it('retries only the entries a partial failure rejected', async () => {
    proxy.failEntries({ pick: (index) => index % 3 === 0 });
    const events = chainedEvents(12);
    const s = sink();
    await s.send(events);

    const [first, second, ...rest] = proxy.requestsFor('PutRecords');
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({ outcome: 'partially_failed', failedEntries: 4 });
    expect(first!.entries).toHaveLength(12);
    const failedData = first!.entries.filter((_, i) => i % 3 === 0).map((e) => e.data.toString('utf8'));
    expect(second!.outcome).toBe('forwarded');
    expect(second!.entries.map((e) => e.data.toString('utf8'))).toEqual(failedData);

    // Nothing twice, nothing missing: failed entries were never stored the first time.
    const ids = eventIdsOf(await storedRecords(kinesis.client, stream));
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    expect(s.metrics()).toMatchObject({ requests: 2, failedAttempts: 1, recordsRetried: 4, recordsSent: 12 });
  });

  it.each(['reset', 'refuse'] as const)(
    'rides out an outage (%s) of 3 s and loses nothing',
    async (mode) => {
      const before = chainedEvents(20);
      const s = sink();
      await s.send(before.slice(0, 10)); // a warm keep-alive connection, which the outage cuts
      const outage = proxy.outage(3_000, mode);
      const started = Date.now();
      await s.send(before.slice(10));
      const tookMs = Date.now() - started;
      await outage;

      expect(tookMs).toBeGreaterThanOrEqual(2_500);
      expect(s.metrics().failedAttempts).toBeGreaterThan(0);
      const ids = eventIdsOf(await storedRecords(kinesis.client, stream));
      expect(ids.sort()).toEqual(before.map((e) => e.id).sort());
    },
    15_000,
  );

  it('gives up on a black-holed request after its timeout and retries it', async () => {
    const events = chainedEvents(5);
    const s = sink({ requestTimeoutMs: 300 });
    const outage = proxy.outage(2_000, 'hang');
    await s.send(events);
    await outage;
    // Several timed-out attempts during the 2 s: each hung request was abandoned, not awaited.
    expect(s.metrics().failedAttempts).toBeGreaterThanOrEqual(3);
    expect(
      proxy.requestsFor('PutRecords').filter((r) => r.outcome === 'dropped').length,
    ).toBeGreaterThanOrEqual(3);
    expect(new Set(eventIdsOf(await storedRecords(kinesis.client, stream)))).toEqual(
      new Set(events.map((e) => e.id)),
    );
  });

  it('rejects at once with recording_unavailable when the stream does not exist', async () => {
    const s = sink({ streamName: 'no-such-stream' });
    const failure = await s.send(chainedEvents(1)).catch((error: unknown) => error);
    expect(AirlockError.is(failure, 'recording_unavailable')).toBe(true);
    expect((failure as Error).message).toMatch(/no-such-stream.*ResourceNotFoundException/s);
    expect(proxy.requestsFor('PutRecords')).toHaveLength(1);
  });

  it('close() during an outage ends send with recording_unavailable (the spool keeps the events)', async () => {
    const s = sink();
    const outage = proxy.outage(2_000, 'reset');
    const sending = s.send(chainedEvents(3)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    s.close();
    const failure = await sending;
    expect(AirlockError.is(failure, 'recording_unavailable')).toBe(true);
    await outage;
  });
});
