import type { JsonRpcMessage, RecordingEvent, RelayContext } from '@airlock/core';
import { SessionRecorder, verifySession } from '@airlock/recording';
import { describe, expect, it } from 'vitest';
import { replayText, verificationText } from '../../src/sessions/sessions-output.js';

const base: RelayContext = {
  sessionId: 'group-1',
  connection: 'billing',
  caller: { subject: 'alice', groups: [], anonymous: false },
  era: 'modern',
  protocolVersion: '2026-07-28',
};

/** One call through each of two gateways of a cluster, recorded by real recorders. */
async function twoGatewayGroup(): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  const spool = { append: (event: RecordingEvent) => Promise.resolve(events.push(event)) };
  const agent = new SessionRecorder({ spool, source: 'agent', agentId: 'agent-1' });
  for (const [i, gatewayId, chain] of [
    [1, 'gw-a', 'aaaaaaaa'],
    [2, 'gw-b', 'bbbbbbbb'],
  ] as const) {
    const gateway = new SessionRecorder({ spool, source: 'gateway', gatewayId });
    const call: JsonRpcMessage = { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo' } };
    const at = Date.parse('2026-12-04T10:00:00.000Z') + i * 1000;
    await gateway.record(
      { ...base, chain },
      { source: 'gateway', direction: 'client_to_server', message: call, at },
    );
    await agent.record(base, { source: 'agent', direction: 'client_to_server', message: call, at: at + 1 });
  }
  return events;
}

describe('airlock verify and replay output for a session several gateways recorded', () => {
  it('lists each gateway chain, and names the chain of a break', async () => {
    const events = await twoGatewayGroup();
    expect(verificationText('group-1', verifySession(events))).toContain(
      [
        '  gateway chain: 4 events, intact',
        '    chain aaaaaaaa (gateway gw-a): 2 events, intact',
        '    chain bbbbbbbb (gateway gw-b): 2 events, intact',
      ].join('\n'),
    );
    const victim = events.find((e) => e.chain === 'bbbbbbbb' && e.kind === 'message')!;
    const tampered = events.map((e) => (e === victim ? { ...e, at: '2026-12-04T11:00:00.000Z' } : e));
    const text = verificationText('group-1', verifySession(tampered));
    expect(text).toContain('verification FAILED');
    expect(text).toContain(
      `    gateway chain bbbbbbbb seq ${victim.seq} (event ${victim.id}): hash_mismatch`,
    );
    expect(text).toContain('    chain aaaaaaaa (gateway gw-a): 2 events, intact');
  });

  it('names the chain of each replayed gateway event', async () => {
    const events = await twoGatewayGroup();
    const event = events.find((e) => e.chain === 'aaaaaaaa' && e.kind === 'message')!;
    expect(replayText(event)).toMatch(
      /^\[2026-12-04T10:00:01\.000Z\] gateway:aaaaaaaa #2 {2}client -> server/,
    );
    const agentEvent = events.find((e) => e.source === 'agent' && e.kind === 'message')!;
    expect(replayText(agentEvent)).toMatch(/\] agent #2 /);
  });
});
