import { PostgresStore } from '@airlock/recording';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  chainProblems,
  chains,
  readKinesis,
  startTraffic,
  sleep,
  startChaosWorld,
  storedEvents,
  unrecordedCalls,
  waitFor,
  withoutProbes,
  type ChaosRig,
  type ChaosWorld,
} from './support/chaos-rig.js';

/**
 * `kill -9` of the agent, then of the gateway, in the middle of busy sessions (stdio and HTTP
 * upstreams), each restarted on the same spool; recording to PostgreSQL and to Kinesis.
 *
 * What "acknowledged" means here. In strict mode an event counts as recorded once it is appended
 * to the local spool, and neither side forwards a message before its event is appended. So a call
 * whose result reached the client proves: the gateway spooled the request (before sending it to
 * the agent) and the response (before answering the client); the agent spooled the request
 * (before handing it to the upstream) and the response (before sending it back through the
 * tunnel). `kill -9` loses nothing that was appended (fsync `interval` writes to the OS at once),
 * and the restarted process resumes its pumps from their cursors. Hence every answered call's
 * request and response must be in the store and in Kinesis from both sides. Calls that failed
 * (the process died under them) prove nothing and are not checked; their events may or may not
 * be there, but whatever is there must still form gap-free, verifying chains.
 */
let world: ChaosWorld;
let rig: ChaosRig;
const STREAM = 'airlock-chaos-kill';

beforeAll(async () => {
  world = await startChaosWorld({ database: 'chaos_kill', stream: STREAM, shards: 2 });
  rig = world.rig;
});

afterAll(async () => {
  await world?.close();
});

it(
  'loses no acknowledged event when agent and gateway are killed mid-session',
  { timeout: 60_000 },
  async () => {
    const stop = new AbortController();
    const { tally, done } = startTraffic(rig.url, 2, stop.signal);
    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = tally.answered.length);

    // `calls` more answered calls (bounded): each kill lands in the middle of busy sessions, and
    // each restarted process is shown to serve again before the next step.
    const answeredMore = (calls: number) => {
      const target = tally.answered.length + calls;
      return waitFor(
        `${target} answered calls`,
        async () => (tally.answered.length >= target ? true : undefined),
        15_000,
      );
    };
    await answeredMore(80);
    mark('agentKilled');
    await rig.kill9(rig.agent);
    await sleep(300);
    await rig.startAgent();
    mark('agentBack');
    await answeredMore(80);
    mark('gatewayKilled');
    await rig.kill9(rig.gateway);
    await sleep(300);
    await rig.startGateway();
    mark('gatewayBack');
    await answeredMore(80);
    stop.abort();
    await done;
    mark('end');
    expect(tally.failed).toBeGreaterThan(0);

    const store = PostgresStore.open({ connectionString: world.connectionString });
    try {
      // Let the pumps drain: every answered call from both sides, then a quiet store. A timeout
      // falls through to the assertions below, which name the missing calls.
      await waitFor(
        'every answered call in the store, from gateway and agent',
        async () => {
          const all = await storedEvents(store);
          const missing = [
            ...unrecordedCalls(all, 'gateway', tally.answered),
            ...unrecordedCalls(all, 'agent', tally.answered),
          ];
          return missing.length === 0 ? all : undefined;
        },
        20_000,
      ).catch(() => undefined);
      await sleep(1_000);
      const settled = await storedEvents(store);
      expect(unrecordedCalls(settled, 'gateway', tally.answered)).toEqual([]);
      expect(unrecordedCalls(settled, 'agent', tally.answered)).toEqual([]);
      // Every session was ended by whichever side survived: none is left `open` in the listings.
      const open = await store.listSessions({ status: 'open', limit: 100 });
      expect(open.sessions.map((x) => [x.id, x.connection])).toEqual([]);

      // The store holds each event once (idempotent by id), and every chain is whole and verifies.
      const ids = settled.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const byChain = chains(settled);
      expect([...byChain].flatMap(([key, chain]) => chainProblems(key, chain))).toEqual([]);
      // Sessions cut by a kill were ended by the survivor, with the reason: the gateway saw its
      // agent go (agent_lost), the agent saw its gateway go (gateway_lost).
      const ends = (source: string) =>
        new Set(
          withoutProbes(settled)
            .filter((e) => e.kind === 'session_end' && e.source === source)
            .map((e) => e.end?.reason),
        );
      expect(ends('gateway')).toContain('agent_lost');
      expect(ends('agent')).toContain('gateway_lost');

      // Kinesis, read from the start by the audit consumer: the same events, each once, verified.
      const view = await readKinesis(
        world.kinesis.client,
        STREAM,
        world.kinesis.region,
        world.kinesis.endpoint,
        new Set(ids),
        20_000,
      );
      expect(view.problems).toEqual([]);
      const seen = view.events.map((e) => e.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(new Set(seen)).toEqual(new Set(ids));
      console.info(
        `kill -9 chaos: ${tally.answered.length} calls answered, ${tally.failed} failed, ${tally.sessions} client sessions, ${(tally.callMs / tally.answered.length).toFixed(1)} ms per call; ` +
          `${settled.length} events in ${byChain.size} chains stored and read from Kinesis; ` +
          `${view.duplicatesDropped} duplicate records dropped by the consumer; marks ${JSON.stringify(marks)}`,
      );
    } finally {
      await store.close();
    }
  },
);
