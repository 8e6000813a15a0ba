import { PostgresStore } from '@airlock/recording';
import { startKinesisFaultProxy, type KinesisFaultProxy } from '@airlock/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  chainProblems,
  chains,
  readKinesis,
  sleep,
  startChaosWorld,
  startTraffic,
  storedEvents,
  unrecordedCalls,
  waitFor,
  withoutProbes,
  type ChaosRig,
  type ChaosWorld,
} from './support/chaos-rig.js';

/**
 * Kinesis down (connections refused) for the whole traffic phase, then back. Kinesis is
 * asynchronous: calls wait only for the local spool, never for Kinesis, so none is refused; the
 * spool holds the events and the Kinesis pumps of gateway and agent deliver them once the stream
 * is reachable again. At-least-once: a batch may be put twice, the consumer shows each event once.
 */
let world: ChaosWorld;
let rig: ChaosRig;
let proxy: KinesisFaultProxy;
const STREAM = 'airlock-chaos-outage';

beforeAll(async () => {
  world = await startChaosWorld({
    database: 'chaos_outage',
    stream: STREAM,
    shards: 2,
    kinesisVia: async (endpoint) => (proxy = await startKinesisFaultProxy(endpoint)),
  });
  rig = world.rig;
});

afterAll(async () => {
  await world?.close();
});

it(
  'loses nothing and refuses no call while Kinesis is down, and delivers once it is back',
  { timeout: 60_000 },
  async () => {
    proxy.clearLog();
    let forwardedDuringOutage: number | undefined;
    const outage = proxy.outage(6_000, 'refuse').then(() => {
      forwardedDuringOutage = proxy.requestsFor('PutRecords').filter((r) => r.outcome === 'forwarded').length;
    });
    const stop = new AbortController();
    const { tally, done } = startTraffic(rig.url, 2, stop.signal);
    await sleep(3_000);
    stop.abort();
    await done;
    // The whole traffic phase fell inside the outage, and nothing reached the stream during it.
    expect(forwardedDuringOutage).toBeUndefined();
    await outage;
    expect(forwardedDuringOutage).toBe(0);

    expect(tally.answered.length).toBeGreaterThan(20);
    expect(tally.errors).toEqual([]);

    const store = PostgresStore.open({ connectionString: world.connectionString });
    try {
      // A timeout falls through to the assertions below, which name what is missing.
      await waitFor(
        'every answered call in the store, from gateway and agent',
        async () => {
          const all = await storedEvents(store);
          const ended = withoutProbes(all).filter((e) => e.kind === 'session_end').length;
          const missing = [
            ...unrecordedCalls(all, 'gateway', tally.answered),
            ...unrecordedCalls(all, 'agent', tally.answered),
          ];
          // Each client ended its session (DELETE): both sides record that end.
          return missing.length === 0 && ended === 2 * tally.sessions ? all : undefined;
        },
        20_000,
      ).catch(() => undefined);
      const events = await storedEvents(store);
      expect(unrecordedCalls(events, 'gateway', tally.answered)).toEqual([]);
      expect(unrecordedCalls(events, 'agent', tally.answered)).toEqual([]);
      expect(withoutProbes(events).filter((e) => e.kind === 'session_end')).toHaveLength(2 * tally.sessions);
      const ids = events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const byChain = chains(events);
      expect([...byChain].flatMap(([key, chain]) => chainProblems(key, chain))).toEqual([]);

      // The pumps back off up to 10 s between retries: allow for one full step after the outage.
      const view = await readKinesis(
        world.kinesis.client,
        STREAM,
        world.kinesis.region,
        world.kinesis.endpoint,
        new Set(ids),
        25_000,
      );
      expect(view.problems).toEqual([]);
      const seen = view.events.map((e) => e.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(new Set(ids));
      console.info(
        `Kinesis outage: ${tally.answered.length} calls answered, ${tally.failed} refused; ${events.length} events in ` +
          `${byChain.size} chains; ${proxy.requestsFor('PutRecords').length} PutRecords through the proxy, ` +
          `${view.duplicatesDropped} duplicate records dropped by the consumer`,
      );
    } finally {
      await store.close();
    }
  },
);
