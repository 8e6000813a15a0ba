import type { RecordingEvent, SpooledEvent } from '@airlock/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KmsKeyWrapper,
  Spool,
  SpoolDelivery,
  startRecording,
  type DeliverySink,
  type KmsApi,
} from '../../src/index.js';
import { FakeKms } from '../crypto/fake-kms.js';
import { TempDirs, testEvent } from '../spool/spool-fixtures.js';

const dirs = new TempDirs();
afterAll(() => dirs.cleanup());

/** A sink that stores what it is given, and fails while `failing` is set. */
function memorySink(
  name: string,
): DeliverySink & { events: RecordingEvent[]; failing: boolean; attempts: number } {
  const sink = {
    name,
    events: [] as RecordingEvent[],
    failing: false,
    attempts: 0,
    deliver: async (records: readonly SpooledEvent[]) => {
      sink.attempts += 1;
      if (sink.failing) throw new Error(`${name} is down`);
      sink.events.push(...records.map((record) => record.event));
    },
  };
  return sink;
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SpoolDelivery', () => {
  it('delivers what is appended, then acknowledges it', async () => {
    const spool = await Spool.open({ dir: dirs.make(), sinks: ['store'], fsync: 'never' });
    const sink = memorySink('store');
    const delivery = new SpoolDelivery({ spool, sink });
    delivery.start();
    for (const seq of [1, 2, 3]) await spool.append(testEvent(seq));
    await waitUntil(() => sink.events.length === 3, 'three events');
    await spool.append(testEvent(4));
    await waitUntil(() => sink.events.length === 4, 'the fourth event');
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await delivery.stop();
    expect(spool.backlog().bytesBehind['store']).toBe(0);
    await spool.close();
  });

  it('batches a steady trickle: it waits to fill a partial batch, and goes on at once after a full one', async () => {
    const spool = await Spool.open({ dir: dirs.make(), sinks: ['store'], fsync: 'never' });
    const sink = memorySink('store');
    const sizes: number[] = [];
    const delivery = new SpoolDelivery({
      spool,
      sink: {
        name: 'store',
        // Each delivery takes 10 ms, as a store transaction does: events keep arriving meanwhile.
        deliver: async (records, signal) => {
          sizes.push(records.length);
          await new Promise((r) => setTimeout(r, 10));
          await sink.deliver(records, signal);
        },
      },
      lingerMs: 40,
      batchSize: 20,
    });
    delivery.start();
    // One event every ~2 ms for ~400 ms: a pump reading again right after each delivery would take
    // the few events that arrived during it, ~40 deliveries of ~5.
    for (let seq = 1; seq <= 200; seq += 1) {
      await spool.append(testEvent(seq));
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitUntil(() => sink.events.length === 200, 'every event');
    expect(sink.events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(sizes.length).toBeLessThan(25);
    expect(200 / sizes.length).toBeGreaterThan(8); // events per delivery

    // A backlog of full batches goes out back to back, not one linger apart.
    const before = sizes.length;
    const started = Date.now();
    for (let seq = 201; seq <= 400; seq += 1) void spool.append(testEvent(seq));
    await waitUntil(() => sink.events.length === 400, 'the backlog');
    expect(sizes.slice(before).filter((n) => n === 20).length).toBeGreaterThanOrEqual(9);
    expect(Date.now() - started).toBeLessThan(9 * 40);
    await delivery.stop();
    await spool.close();
  });

  it('retries a failing sink with the same batch, never skipping, and the other sink is not held up', async () => {
    const spool = await Spool.open({ dir: dirs.make(), sinks: ['store', 'kinesis'], fsync: 'never' });
    const store = memorySink('store');
    const kinesis = memorySink('kinesis');
    kinesis.failing = true;
    const backoff = { baseDelayMs: 5, maxDelayMs: 20 };
    const deliveries = [store, kinesis].map((sink) => new SpoolDelivery({ spool, sink, backoff }));
    for (const d of deliveries) d.start();
    for (const seq of [1, 2]) await spool.append(testEvent(seq));
    await waitUntil(
      () => store.events.length === 2 && kinesis.attempts >= 3,
      'store delivery and kinesis retries',
    );
    expect(kinesis.events).toEqual([]);
    expect(spool.backlog().bytesBehind['kinesis']).toBeGreaterThan(0);
    kinesis.failing = false;
    await waitUntil(() => kinesis.events.length === 2, 'kinesis to catch up');
    expect(kinesis.events.map((e) => e.seq)).toEqual([1, 2]);
    await Promise.all(deliveries.map((d) => d.stop()));
    await spool.close();
  });

  it('keeps retrying when the spool cannot be read (KMS unavailable), then delivers everything', async () => {
    const dir = dirs.make();
    const fakeKms = new FakeKms();
    fakeKms.addKey('alias/recording');
    let kmsDown = false;
    const api: KmsApi = {
      generateDataKey: (input) => fakeKms.generateDataKey(input),
      decrypt: (input) =>
        kmsDown
          ? Promise.reject(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }))
          : fakeKms.decrypt(input),
    };
    const wrapper = new KmsKeyWrapper({ kmsKeyId: 'alias/recording', api });
    const writer = await Spool.open({ dir, sinks: ['store'], fsync: 'never', encryption: { wrapper } });
    for (const seq of [1, 2, 3]) await writer.append(testEvent(seq));
    await writer.close();

    // After a restart the session's data key must be unwrapped before the spool can be read.
    kmsDown = true;
    const spool = await Spool.open({ dir, sinks: ['store'], fsync: 'never', encryption: { wrapper } });
    const sink = memorySink('store');
    const delivery = new SpoolDelivery({ spool, sink, backoff: { baseDelayMs: 5, maxDelayMs: 20 } });
    delivery.start();
    await waitUntil(() => delivery.stats.failures >= 3, 'read failures to be retried');
    expect(sink.attempts).toBe(0);
    kmsDown = false;
    await waitUntil(() => sink.events.length === 3, 'delivery once KMS is back');
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    // The pump is still running: later appends are delivered too.
    await spool.append(testEvent(4));
    await waitUntil(() => sink.events.length === 4, 'the next append');
    await delivery.stop();
    await spool.close();
  });

  it('resumes after a restart from the acknowledged position (at least once)', async () => {
    const dir = dirs.make();
    const first = memorySink('store');
    first.failing = true;
    const running = await startRecording({
      source: 'gateway',
      mode: 'strict',
      spool: { dir, fsync: 'never' },
      sinks: [first],
      backoff: { baseDelayMs: 5, maxDelayMs: 10 },
    });
    await running.spool.append(testEvent(1));
    await running.close(50);

    const second = memorySink('store');
    const again = await startRecording({
      source: 'gateway',
      mode: 'strict',
      spool: { dir, fsync: 'never' },
      sinks: [second],
    });
    await waitUntil(() => second.events.length === 1, 'the spooled event after restart');
    expect(second.events[0]?.id).toBe('event-1');
    await again.close();
  });

  it('stop() delivers what is spooled before it returns', async () => {
    const sink = memorySink('store');
    const running = await startRecording({
      source: 'gateway',
      mode: 'strict',
      spool: { dir: dirs.make(), fsync: 'never' },
      sinks: [sink],
    });
    const appends = [1, 2, 3, 4, 5].map((seq) => running.spool.append(testEvent(seq)));
    await Promise.all(appends);
    await running.close();
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
