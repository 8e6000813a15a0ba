import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { PostgresStore, verifySession, type SessionVerification } from '@airlock/recording';
import { connectV1Client } from '@airlock/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
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
 * `kill -9` of the agent, then of the gateway, during sequential calls, then `airlock verify` on
 * every session. A call in flight at the kill is in one record and not the other (the gateway
 * spooled a request the agent never received; the agent spooled an answer the gateway never
 * received): verify must name it as in flight when that side was lost and still pass the session,
 * while a removed answered call in the same sessions still fails.
 *
 * Three rounds. In the first two a call is put in flight on purpose, so the test does not rest on
 * where a kill happens to land: the agent is stopped (SIGSTOP) while the gateway forwards a call
 * to it, then killed; a slow call is running at the upstream when the gateway is stopped, then
 * killed. The third kills both again wherever the sequential calls happen to be.
 */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
let world: ChaosWorld;
let rig: ChaosRig;
let home: string;

beforeAll(async () => {
  world = await startChaosWorld({ database: 'chaos_verify', stream: 'airlock-chaos-verify', shards: 1 });
  rig = world.rig;
  home = mkdtempSync(join(tmpdir(), 'airlock-chaos-verify-home-'));
});

afterAll(async () => {
  await world?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

interface CliRun {
  readonly code: number;
  readonly stdout: string;
}

function airlockVerify(sessionId: string, json: boolean): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AIRLOCK, 'verify', sessionId, '--gateway', rig.url, ...(json ? ['--json'] : [])],
      { env: { ...process.env, AIRLOCK_HOME: home, AIRLOCK_TOKEN: '' } },
      (error, stdout, stderr) => {
        if (error && stdout === '') process.stderr.write(`airlock verify ${sessionId}: ${stderr}\n`);
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
      },
    );
  });
}

const echoText = (event: RecordingEvent): unknown =>
  (event.message as { params?: { arguments?: { text?: unknown } } } | undefined)?.params?.arguments?.text;

const sessionOf = (events: readonly RecordingEvent[], client: string): string | undefined =>
  events.find((e) => e.kind === 'session_start' && e.start?.clientInfo?.['name'] === client)?.sessionId;

it(
  'verifies sessions cut by kill -9 with their in-flight calls named, and still fails a removed answered call',
  { timeout: 240_000 },
  async () => {
    const store = PostgresStore.open({ connectionString: world.connectionString });
    try {
      const stop = new AbortController();
      const { tally, done } = startTraffic(rig.url, 1, stop.signal);
      const began = performance.now();
      const marks: string[] = [];
      const mark = (name: string) =>
        marks.push(
          `${name}@${Math.round((performance.now() - began) / 100) / 10}s/${tally.answered.length}/${tally.failed}`,
        );
      const answeredMore = (calls: number) => {
        const target = tally.answered.length + calls;
        return waitFor(
          `${target} answered calls`,
          async () => (tally.answered.length >= target ? true : undefined),
          20_000,
        );
      };

      // Round 1: the agent goes while the gateway forwards a call to it.
      await answeredMore(60);
      const heldByAgent = await connectV1Client(`${rig.url}/mcp/kitchen-http`, { name: 'chaos-held-agent' });
      await heldByAgent.callTool({ name: 'echo', arguments: { text: 'answered-before-hold' } });
      mark('agentStopped');
      rig.agent.child.kill('SIGSTOP');
      const lostCall = heldByAgent
        .callTool({ name: 'echo', arguments: { text: 'held-by-agent' } }, undefined, { timeout: 30_000 })
        .then(
          () => 'answered',
          () => 'failed',
        );
      await waitFor(
        "the gateway's record of the held call",
        async () =>
          (await storedEvents(store)).some((e) => e.source === 'gateway' && echoText(e) === 'held-by-agent')
            ? true
            : undefined,
        15_000,
      );
      await rig.kill9(rig.agent);
      expect(await lostCall).toBe('failed');
      await heldByAgent.close().catch(() => undefined);
      await sleep(300);
      await rig.startAgent();
      mark('agentBack');
      await answeredMore(60);

      // Round 2: the gateway goes while a slow call runs at the upstream; its answer is recorded
      // by the agent and never reaches the gateway.
      const heldByGateway = await connectV1Client(`${rig.url}/mcp/kitchen-stdio`, {
        name: 'chaos-held-gateway',
      });
      const slowCall = heldByGateway
        .callTool({ name: 'slow', arguments: { ms: 1_500 } }, undefined, { timeout: 30_000 })
        .then(
          () => 'answered',
          () => 'failed',
        );
      await waitFor(
        "the agent's record of the slow call",
        async () =>
          (await storedEvents(store)).some(
            (e) =>
              e.source === 'agent' &&
              (e.message as { params?: { name?: unknown } } | undefined)?.params?.name === 'slow',
          )
            ? true
            : undefined,
        15_000,
      );
      mark('gatewayStopped');
      rig.gateway.child.kill('SIGSTOP');
      await sleep(2_500);
      await rig.kill9(rig.gateway);
      expect(await slowCall).toBe('failed');
      await heldByGateway.close().catch(() => undefined);
      await sleep(300);
      await rig.startGateway();
      mark('gatewayBack');
      await answeredMore(60);

      mark('round3');
      // Round 3: both again, wherever the sequential calls happen to be.
      await rig.kill9(rig.agent);
      await sleep(300);
      await rig.startAgent();
      mark('agentBack');
      await answeredMore(60);
      await rig.kill9(rig.gateway);
      await sleep(300);
      await rig.startGateway();
      mark('gatewayBack');
      await answeredMore(60);
      mark('stopping');
      stop.abort();
      await done;

      // Every answered call in the store from both sides (the pumps resume after the restarts).
      await waitFor(
        'every answered call in the store, from gateway and agent',
        async () => {
          const all = await storedEvents(store);
          const missing = [
            ...unrecordedCalls(all, 'gateway', tally.answered),
            ...unrecordedCalls(all, 'agent', tally.answered),
          ];
          return missing.length === 0 ? true : undefined;
        },
        30_000,
      ).catch(() => undefined);
      await sleep(1_000);
      const settled = withoutProbes(await storedEvents(store));
      expect(unrecordedCalls(settled, 'gateway', tally.answered)).toEqual([]);
      expect(unrecordedCalls(settled, 'agent', tally.answered)).toEqual([]);

      // `airlock verify --json` on every session: all verify; the two held calls are named.
      const sessionIds = [...new Set(settled.map((e) => e.sessionId))];
      const reports = new Map<string, SessionVerification>();
      const broken: unknown[] = [];
      // Four CLI processes at a time: each is a node start-up, the slow part here.
      const runs = new Map<string, CliRun>();
      for (let i = 0; i < sessionIds.length; i += 4) {
        const batch = sessionIds.slice(i, i + 4);
        const answers = await Promise.all(batch.map((id) => airlockVerify(id, true)));
        batch.forEach((id, k) => runs.set(id, answers[k]!));
      }
      for (const id of sessionIds) {
        const run = runs.get(id)!;
        const report = JSON.parse(run.stdout) as SessionVerification;
        reports.set(id, report);
        if (run.code !== 0 || !report.ok) {
          const ends = settled
            .filter((e) => e.sessionId === id && e.kind === 'session_end')
            .map((e) => `${e.source}:${e.end?.reason}`);
          broken.push({
            id,
            code: run.code,
            ends,
            chains: report.chains,
            mismatches: report.agreement.mismatches,
          });
        }
      }
      expect(broken).toEqual([]);
      const agentSession = sessionOf(settled, 'chaos-held-agent');
      const gatewaySession = sessionOf(settled, 'chaos-held-gateway');
      expect(agentSession).toBeDefined();
      expect(gatewaySession).toBeDefined();
      expect(reports.get(agentSession!)?.agreement.inFlight).toEqual([
        expect.objectContaining({ lost: 'agent', source: 'gateway', state: 'not_received' }),
      ]);
      expect(reports.get(gatewaySession!)?.agreement.inFlight).toEqual([
        expect.objectContaining({ lost: 'gateway', source: 'agent' }),
      ]);
      const inFlight = [...reports.values()].flatMap((r) => r.agreement.inFlight);

      // The human form says what happened, in words for an auditor.
      const human = await airlockVerify(agentSession!, false);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('verified');
      expect(human.stdout).toMatch(/in flight when the agent was lost/);
      // The API's verify answer carries the same notes.
      const api = (await (
        await fetch(`${rig.url}/api/v1/sessions/${agentSession}/verify`)
      ).json()) as SessionVerification;
      expect(api.ok).toBe(true);
      expect(api.agreement.inFlight).toEqual(reports.get(agentSession!)?.agreement.inFlight);

      // Leniency hides nothing answered: cut the agent's record of the held-agent session back to
      // before its answered call (a truncated tail keeps the chain whole), and verify fails.
      const agentSessionEvents = settled.filter((e) => e.sessionId === agentSession);
      const answeredAt = agentSessionEvents.find(
        (e) => e.source === 'agent' && echoText(e) === 'answered-before-hold',
      );
      expect(answeredAt).toBeDefined();
      const truncated = agentSessionEvents.filter((e) => e.source === 'gateway' || e.seq < answeredAt!.seq);
      const tampered = verifySession(truncated);
      expect(tampered.ok).toBe(false);
      expect(tampered.agreement.mismatches.map((m) => m.problem)).toContain('missing_in_agent');

      console.info(
        `verify after kill -9: ${tally.answered.length} calls answered, ${tally.failed} failed, ${sessionIds.length} sessions verified; ` +
          `${inFlight.length} in-flight call(s) named: ${JSON.stringify(inFlight.map((n) => [n.lost, n.state]))}; ` +
          `marks ${marks.join(' ')}; first failures ${JSON.stringify(tally.errors.slice(0, 2).map((e) => e.slice(0, 160)))}`,
      );
    } finally {
      await store.close();
    }
  },
);
