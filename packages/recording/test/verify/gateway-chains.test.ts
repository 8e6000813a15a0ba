import type { JsonRpcMessage, RecordingEvent, RelayContext } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { chainsByTime, SessionRecorder, verifySession, verifySessionPages } from '../../src/index.js';

/**
 * A modern-era group served by two gateways of a cluster: each gateway's real recorder writes its
 * own chain of the one session (`chain` = its tag), the agent one chain.
 */

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const base: RelayContext = {
  sessionId: 'group-1',
  connection: 'billing',
  caller: { subject: 'alice', groups: [], anonymous: false },
  era: 'modern',
  protocolVersion: '2026-07-28',
};

async function recordGroup(calls: number): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  const spool = { append: (event: RecordingEvent) => Promise.resolve(events.push(event)) };
  const gateways = [
    { recorder: new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-a' }), chain: 'aaaaaaaa' },
    { recorder: new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-b' }), chain: 'bbbbbbbb' },
  ];
  const agent = new SessionRecorder({ spool, source: 'agent', agentId: 'agent-1' });
  // Uneven: gateway a serves the first three calls, then the gateways alternate.
  for (let i = 0; i < calls; i++) {
    const { recorder, chain } = gateways[i < 3 ? 0 : i % 2]!;
    const context = { ...base, chain };
    const at = T0 + i * 1000;
    const call: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: `call ${i}` } },
    };
    const answer: JsonRpcMessage = { jsonrpc: '2.0', id: i + 1, result: { content: [] } };
    await recorder.record(context, { source: 'gateway', direction: 'client_to_server', message: call, at });
    await agent.record(base, { source: 'agent', direction: 'client_to_server', message: call, at: at + 1 });
    await agent.record(base, { source: 'agent', direction: 'server_to_client', message: answer, at: at + 2 });
    await recorder.record(context, {
      source: 'gateway',
      direction: 'server_to_client',
      message: answer,
      at: at + 3,
    });
  }
  for (const { recorder, chain } of gateways) await recorder.end({ ...base, chain }, 'expired');
  await agent.end(base, 'expired');
  return events;
}

/** The store's order (source, seq, id), in pages of `size`. */
async function* storePages(
  events: readonly RecordingEvent[],
  size: number,
): AsyncGenerator<RecordingEvent[]> {
  const ordered = [...events].sort(
    (a, b) => a.source.localeCompare(b.source) || a.seq - b.seq || a.id.localeCompare(b.id),
  );
  for (let i = 0; i < ordered.length; i += size) yield ordered.slice(i, i + size);
}

describe('a session recorded by several gateways', () => {
  it('verifies each gateway chain and matches the merged gateway record against the agent', async () => {
    const events = await recordGroup(7);
    expect(new Set(events.filter((e) => e.source === 'gateway').map((e) => e.chain))).toEqual(
      new Set(['aaaaaaaa', 'bbbbbbbb']),
    );
    const report = verifySession(events);
    expect(report.agreement.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.agreement.matched).toBe(14);
    expect(report.gatewayChains).toEqual([
      { chain: 'aaaaaaaa', gatewayId: 'gw-a', events: 12, breaks: [] },
      { chain: 'bbbbbbbb', gatewayId: 'gw-b', events: 6, breaks: [] },
    ]);
    expect(report.chains.gateway.events).toBe(18);
    // Paged in the store's order, which interleaves the gateway chains by seq: the same verdict.
    expect(await verifySessionPages(storePages(events, 3))).toEqual(report);
  });

  it('names the one gateway chain that was tampered with', async () => {
    const events = await recordGroup(5);
    const victim = events.find((e) => e.chain === 'bbbbbbbb' && e.kind === 'message')!;
    const tampered = events.map((e) =>
      e === victim ? { ...e, message: { ...e.message, params: { name: 'transfer' } } as JsonRpcMessage } : e,
    );
    const report = verifySession(tampered);
    expect(report.ok).toBe(false);
    expect(report.chains.gateway.breaks).toEqual([
      expect.objectContaining({
        chain: 'bbbbbbbb',
        seq: victim.seq,
        eventId: victim.id,
        problem: 'hash_mismatch',
      }),
    ]);
    expect(report.gatewayChains?.find((c) => c.chain === 'aaaaaaaa')?.breaks).toEqual([]);
    expect(report.chains.agent.breaks).toEqual([]);
  });

  it('replays the gateway chains in time order, every event once, from pages in store order', async () => {
    const events = await recordGroup(7);
    const gateway = events.filter((e) => e.source === 'gateway');
    const replayed: RecordingEvent[] = [];
    for await (const page of chainsByTime(storePages(gateway, 2))) replayed.push(...page);
    expect(replayed).toHaveLength(gateway.length);
    expect(new Set(replayed.map((e) => e.id)).size).toBe(gateway.length);
    const calls = replayed
      .filter((e) => e.kind === 'message' && e.direction === 'client_to_server')
      .map(
        (e) => (e.message as unknown as { params: { arguments: { text: string } } }).params.arguments.text,
      );
    expect(calls).toEqual(Array.from({ length: 7 }, (_, i) => `call ${i}`));
    // Each chain keeps its own seq order.
    for (const chain of ['aaaaaaaa', 'bbbbbbbb']) {
      const seqs = replayed.filter((e) => e.chain === chain).map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('passes a single chain through unchanged, and reports no gateway chains for it', async () => {
    const events = (await recordGroup(2)).filter((e) => e.source === 'agent');
    const replayed: RecordingEvent[] = [];
    for await (const page of chainsByTime(storePages(events, 2))) replayed.push(...page);
    expect(replayed).toEqual([...events].sort((a, b) => a.seq - b.seq));
    expect(verifySession(events).gatewayChains).toBeUndefined();
  });
});
