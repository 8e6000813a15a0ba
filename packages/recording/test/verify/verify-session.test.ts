import type { JsonRpcMessage } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { verifySession } from '../../src/index.js';
import { RecordedSession } from '../../../gateway/test/api/helpers/recorded-session.js';

const request = (id: number, method: string, tool?: string): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(tool ? { params: { name: tool } } : {}),
});
const result = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: {} });
const failure = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, error: { code: -1, message: 'x' } });

function session(): RecordedSession {
  return new RecordedSession({ id: 's', subject: 'alice', connection: 'demo', startAt: new Date(0) });
}

describe('verifySession', () => {
  it('accepts records that differ only in masked content, and reused ids matched in order', () => {
    const s = session();
    for (const [id, text] of [
      [1, 'secret'],
      [1, 'again'],
    ] as const) {
      s.add('gateway', {
        kind: 'message',
        direction: 'client_to_server',
        message: request(id, 'tools/call', 'echo'),
      });
      s.add('agent', {
        kind: 'message',
        direction: 'client_to_server',
        message: request(id, 'tools/call', 'echo'),
      });
      s.add('agent', {
        kind: 'message',
        direction: 'server_to_client',
        message: { jsonrpc: '2.0', id, result: { t: '***' } },
      });
      s.add('gateway', {
        kind: 'message',
        direction: 'server_to_client',
        message: { jsonrpc: '2.0', id, result: { t: text } },
      });
    }
    const report = verifySession(s.events);
    expect(report).toMatchObject({ ok: true, agreement: { ok: true, matched: 4, mismatches: [] } });
  });

  it('counts a call a guardrail audited as forwarded: audit marks a call and lets it pass', () => {
    const s = session()
      .start()
      .call(
        'delete_bucket',
        { bucket: 'scratch' },
        { text: 'deleted' },
        { decision: { action: 'audit', rule: 'guardrail:audit-bucket-deletes' } },
      )
      .end('client_closed');
    expect(verifySession(s.events)).toMatchObject({ ok: true, agreement: { ok: true, mismatches: [] } });
  });

  it('reports a different method, a different tool, a different outcome and an unforwarded request', () => {
    const s = session();
    s.add('gateway', { kind: 'message', direction: 'client_to_server', message: request(1, 'tools/list') });
    const method = s.add('agent', {
      kind: 'message',
      direction: 'client_to_server',
      message: request(1, 'prompts/list'),
    });
    s.add('gateway', {
      kind: 'message',
      direction: 'client_to_server',
      message: request(2, 'tools/call', 'read'),
    });
    s.add('agent', {
      kind: 'message',
      direction: 'client_to_server',
      message: request(2, 'tools/call', 'delete'),
    });
    const outcome = s.add('agent', { kind: 'message', direction: 'server_to_client', message: failure(2) });
    s.add('gateway', { kind: 'message', direction: 'server_to_client', message: result(2) });
    const injected = s.add('agent', {
      kind: 'message',
      direction: 'client_to_server',
      message: request(9, 'tools/call', 'x'),
    });
    const report = verifySession(s.events);
    expect(report.ok).toBe(false);
    expect(report.agreement.mismatches.map((m) => [m.problem, m.source, m.seq])).toEqual([
      ['method_differs', 'gateway', 1],
      ['tool_differs', 'gateway', 2],
      ['missing_in_gateway', 'agent', injected.seq],
      ['outcome_differs', 'agent', outcome.seq],
    ]);
    expect(report.agreement.mismatches[0]?.detail).toContain(`agent seq ${method.seq}`);
  });

  it("compares the server's requests and the client's answers too, and reports what only one side holds", () => {
    const s = session();
    // The upstream asks the client for a sampling: the agent records it arriving, the gateway
    // records passing it to the client; the client answers, the gateway and then the agent record it.
    s.add('agent', {
      kind: 'message',
      direction: 'server_to_client',
      message: request(7, 'sampling/createMessage'),
    });
    s.add('gateway', {
      kind: 'message',
      direction: 'server_to_client',
      message: request(7, 'sampling/createMessage'),
    });
    s.add('gateway', { kind: 'message', direction: 'client_to_server', message: result(7) });
    s.add('agent', { kind: 'message', direction: 'client_to_server', message: result(7) });
    expect(verifySession(s.events).agreement).toEqual({ ok: true, matched: 2, mismatches: [], inFlight: [] });

    // A second request the gateway never passed on, and a client answer the agent never sent up.
    const unseen = s.add('agent', {
      kind: 'message',
      direction: 'server_to_client',
      message: request(8, 'elicitation/create'),
    });
    const answer = s.add('gateway', { kind: 'message', direction: 'client_to_server', message: failure(9) });
    const report = verifySession(s.events).agreement;
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      expect.objectContaining({
        source: 'agent',
        seq: unseen.seq,
        problem: 'missing_in_gateway',
        detail: expect.stringContaining('request id 8 (elicitation/create)'),
      }),
      expect.objectContaining({
        source: 'gateway',
        seq: answer.seq,
        problem: 'missing_in_agent',
        detail: expect.stringContaining('error response to id 9'),
      }),
    ]);
  });

  it('reports a missing event as a gap in its chain', () => {
    const s = session();
    s.start();
    s.add('gateway', { kind: 'message', direction: 'client_to_server', message: request(1, 'ping') });
    s.add('gateway', { kind: 'session_end', end: { reason: 'client_closed' } });
    const withoutSecond = s.events.filter((e) => !(e.source === 'gateway' && e.seq === 2));
    const report = verifySession(withoutSecond);
    expect(report.chains.gateway.breaks).toEqual([
      expect.objectContaining({ seq: 2, problem: 'gap', detail: 'events 2..2 are missing' }),
    ]);
    expect(report.ok).toBe(false);
  });
});
