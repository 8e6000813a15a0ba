import type { JsonRpcMessage, RecordingEvent, RecordingSource } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { verifySession } from '../../src/index.js';
import { RecordedSession } from '../../../gateway/test/api/helpers/recorded-session.js';

const call = (id: number, method = 'tools/call', tool = 'echo'): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(method === 'tools/call' ? { params: { name: tool } } : {}),
});
const result = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: {} });

/**
 * Sequential calls as both sides record them: the gateway spools the request, then the agent;
 * the agent spools the answer, then the gateway. `answered` calls complete; the caller then puts
 * the record of a call cut off by a crash on top.
 */
function sessionWith(answered: number): RecordedSession {
  const s = new RecordedSession({ id: 'cut', subject: 'alice', connection: 'demo', startAt: new Date(0) });
  s.start();
  for (let id = 1; id <= answered; id += 1) answer(s, id);
  return s;
}

function answer(s: RecordedSession, id: number): void {
  send(s, 'gateway', call(id));
  send(s, 'agent', call(id));
  send(s, 'agent', result(id));
  send(s, 'gateway', result(id));
}

function send(s: RecordedSession, source: RecordingSource, message: JsonRpcMessage): RecordingEvent {
  const direction = 'method' in message ? 'client_to_server' : 'server_to_client';
  return s.add(source, { kind: 'message', direction, message });
}

const end = (s: RecordedSession, source: RecordingSource, reason: string) =>
  s.add(source, { kind: 'session_end', end: { reason } });

describe('verify after a side was lost', () => {
  it('names a request the gateway passed on before the agent was lost, and passes the session', () => {
    const s = sessionWith(3);
    const cut = send(s, 'gateway', call(4));
    end(s, 'gateway', 'agent_lost'); // the agent's record just stops
    const report = verifySession(s.events);
    expect(report.ok).toBe(true);
    expect(report.agreement.mismatches).toEqual([]);
    expect(report.agreement.inFlight).toEqual([
      {
        source: 'gateway',
        seq: cut.seq,
        eventId: cut.id,
        lost: 'agent',
        state: 'not_received',
        detail:
          "request id 4 (tools/call echo) was passed on by the gateway but is not in the agent's record: it was in flight when the agent was lost, so it never reached the MCP server and the client got no answer",
      },
    ]);
  });

  it('names an answer the agent recorded that the gateway, lost, never received', () => {
    const s = sessionWith(2);
    send(s, 'gateway', call(3));
    send(s, 'agent', call(3));
    const cut = send(s, 'agent', result(3));
    end(s, 'agent', 'gateway_lost'); // the gateway's record just stops
    const report = verifySession(s.events);
    expect(report.ok).toBe(true);
    expect(report.agreement.inFlight).toEqual([
      expect.objectContaining({ source: 'agent', seq: cut.seq, lost: 'gateway', state: 'not_received' }),
    ]);
    expect(report.agreement.inFlight[0]?.detail).toContain('so the client never received it');
  });

  it('names a request both sides hold and neither answered, and a server request the gateway never got', () => {
    const s = sessionWith(1);
    const reached = send(s, 'gateway', call(2, 'tools/call', 'slow'));
    send(s, 'agent', call(2, 'tools/call', 'slow'));
    const sampling = s.add('agent', {
      kind: 'message',
      direction: 'server_to_client',
      message: { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage' },
    });
    end(s, 'agent', 'gateway_lost');
    const report = verifySession(s.events);
    expect(report.ok).toBe(true);
    expect(report.agreement.mismatches).toEqual([]);
    expect(report.agreement.inFlight.map((c) => [c.source, c.seq, c.state, c.lost])).toEqual([
      ['gateway', reached.seq, 'unanswered', 'gateway'],
      ['agent', sampling.seq, 'not_received', 'gateway'],
    ]);
    expect(report.agreement.inFlight[0]?.detail).toBe(
      'request id 2 (tools/call slow) reached the agent but neither record holds an answer: it was in flight when the gateway was lost; the MCP server may have acted on it',
    );
  });
});

describe('verify still fails what a crash cannot explain', () => {
  it('fails an unanswered request missing from the agent when the session ended normally', () => {
    const s = sessionWith(3);
    send(s, 'gateway', call(4));
    end(s, 'gateway', 'client_closed'); // and the agent's end removed, with the request
    const report = verifySession(s.events);
    expect(report.ok).toBe(false);
    expect(report.agreement.mismatches.map((m) => m.problem)).toEqual(['missing_in_agent']);
    expect(report.agreement.inFlight).toEqual([]);
  });

  it('fails when the side said to be lost recorded its own end: it was there to close the session', () => {
    const s = sessionWith(1);
    send(s, 'gateway', call(2));
    end(s, 'gateway', 'agent_lost');
    end(s, 'agent', 'client_closed');
    expect(verifySession(s.events).ok).toBe(false);
  });

  it('fails a removed answered call in a lost session: cut from the end of the agent record, or from its middle', () => {
    const s = sessionWith(3);
    send(s, 'gateway', call(4));
    end(s, 'gateway', 'agent_lost');
    const agentCall = (id: number) =>
      s.events.filter((e) => e.source === 'agent' && (e.message as { id?: unknown } | undefined)?.id === id);
    // The last answered call cut off the end of the agent's record (the chain stays whole).
    const [lastRequest] = agentCall(3);
    const truncated = verifySession(
      s.events.filter((e) => e.source === 'gateway' || e.seq < lastRequest!.seq),
    );
    expect(truncated.ok).toBe(false);
    expect(truncated.agreement.mismatches.map((m) => [m.problem, m.detail.slice(0, 13)])).toEqual([
      ['missing_in_agent', 'request id 3 '],
    ]);
    // The first answered call taken out of the middle: a gap, and a mismatch that is no excuse.
    const removed = new Set(agentCall(1));
    const middle = verifySession(s.events.filter((e) => !removed.has(e)));
    expect(middle.ok).toBe(false);
    expect(middle.agreement.mismatches.map((m) => m.problem)).toContain('missing_in_agent');
    expect(middle.agreement.inFlight.map((c) => c.seq)).toEqual([expect.any(Number)]); // only call 4
  });

  it('fails an answer missing from the gateway before one that reached it, in a lost session', () => {
    const s = sessionWith(0);
    send(s, 'gateway', call(1));
    send(s, 'gateway', call(2));
    send(s, 'agent', call(1));
    send(s, 'agent', call(2));
    const skipped = send(s, 'agent', result(1)); // the gateway's record of it is not there
    send(s, 'agent', result(2));
    send(s, 'gateway', result(2));
    end(s, 'agent', 'gateway_lost');
    const report = verifySession(s.events);
    expect(report.ok).toBe(false);
    expect(report.agreement.mismatches).toEqual([
      expect.objectContaining({ source: 'agent', seq: skipped.seq, problem: 'missing_in_gateway' }),
    ]);
  });

  it('fails a request only the receiving side holds, even in a lost session', () => {
    const s = sessionWith(2);
    const injected = send(s, 'agent', call(9, 'tools/call', 'delete'));
    end(s, 'gateway', 'agent_lost');
    const report = verifySession(s.events);
    expect(report.ok).toBe(false);
    expect(report.agreement.mismatches).toEqual([
      expect.objectContaining({ source: 'agent', seq: injected.seq, problem: 'missing_in_gateway' }),
    ]);
    expect(report.agreement.inFlight).toEqual([]);
  });

  it('fails a trailing request the gateway holds an answer to', () => {
    const s = sessionWith(2);
    send(s, 'gateway', call(3));
    send(s, 'gateway', result(3)); // answered, so the agent must have recorded it
    end(s, 'gateway', 'agent_lost');
    const report = verifySession(s.events);
    expect(report.ok).toBe(false);
    expect(report.agreement.mismatches.map((m) => m.problem)).toEqual(['missing_in_agent']);
  });
});
