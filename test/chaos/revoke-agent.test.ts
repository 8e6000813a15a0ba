import type { RecordingEvent } from '@airlock/core';
import { PostgresStore } from '@airlock/recording';
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
 * An enrolled agent revoked in the middle of busy sessions: the gateway cuts its tunnel and ends
 * the sessions it served with `revoked`, and everything answered before stays on record.
 */
let world: ChaosWorld;
let rig: ChaosRig;
const STREAM = 'airlock-chaos-revoke';

beforeAll(async () => {
  world = await startChaosWorld({ database: 'chaos_revoke', stream: STREAM, shards: 1, enrolled: true });
  rig = world.rig;
});

afterAll(async () => {
  await world?.close();
});

const endReasons = (events: readonly RecordingEvent[], source: string) =>
  withoutProbes(events)
    .filter((e) => e.kind === 'session_end' && e.source === source)
    .map((e) => e.end?.reason)
    .sort();

it(
  'ends the sessions of a revoked agent as revoked, with everything answered before on record',
  { timeout: 75_000 },
  async () => {
    const stop = new AbortController();
    const { tally, done } = startTraffic(rig.url, 1, stop.signal);
    await waitFor('busy sessions', async () => (tally.answered.length >= 60 ? true : undefined), 15_000);
    await rig.revokeAgent();
    await sleep(500);
    stop.abort();
    await done;
    expect(tally.failed).toBeGreaterThan(0);

    const store = PostgresStore.open({ connectionString: world.connectionString });
    try {
      const events = await waitFor(
        'the gateway side of every answered call, and the end of the revoked sessions',
        async () => {
          const all = await storedEvents(store);
          const ended = endReasons(all, 'gateway').length;
          return unrecordedCalls(all, 'gateway', tally.answered).length === 0 && ended >= 2 ? all : undefined;
        },
        15_000,
      );
      // One busy session per connection (stdio and HTTP) was open when the agent was revoked.
      expect(endReasons(events, 'gateway')).toEqual(['revoked', 'revoked']);
      const byChain = chains(events);
      expect([...byChain].flatMap(([key, chain]) => chainProblems(key, chain))).toEqual([]);

      const view = await readKinesis(
        world.kinesis.client,
        STREAM,
        world.kinesis.region,
        world.kinesis.endpoint,
        new Set(events.map((e) => e.id)),
        15_000,
        (seen) => endReasons(seen, 'agent').length >= 2,
      );
      // The agent saw its tunnel cut (`gateway_lost`: it is not told why). Its last events stay in
      // its spool for the store — a revoked agent may not hand events to the gateway any more —
      // but its Kinesis pump publishes them: the stream has both sides of every answered call.
      expect(view.problems).toEqual([]);
      expect(endReasons(view.events, 'agent')).toEqual(['gateway_lost', 'gateway_lost']);
      expect(endReasons(view.events, 'gateway')).toEqual(['revoked', 'revoked']);
      expect(unrecordedCalls(view.events, 'agent', tally.answered)).toEqual([]);
      expect(unrecordedCalls(view.events, 'gateway', tally.answered)).toEqual([]);
      const seen = view.events.map((e) => e.id);
      expect(new Set(seen).size).toBe(seen.length);

      // Enrolled again and restarted with its new token, the agent hands over what it kept.
      await rig.enrollAgent();
      await rig.agent.kill();
      await rig.startAgent();
      const handedOver = await waitFor(
        'the agent side of every answered call, in the store',
        async () => {
          const all = await storedEvents(store);
          return unrecordedCalls(all, 'agent', tally.answered).length === 0 &&
            endReasons(all, 'agent').length >= 2
            ? all
            : undefined;
        },
        20_000,
      );
      expect(endReasons(handedOver, 'agent')).toEqual(['gateway_lost', 'gateway_lost']);
      expect(
        [...chains(withoutProbes(handedOver))].flatMap(([key, chain]) => chainProblems(key, chain)),
      ).toEqual([]);
      console.info(
        `revoke: ${tally.answered.length} calls answered before the revocation, ${tally.failed} failed after; ` +
          `${events.length} events stored, ${view.events.length} read from Kinesis, ` +
          `${handedOver.length} stored after the agent was enrolled again`,
      );
    } finally {
      await store.close();
    }
  },
);
