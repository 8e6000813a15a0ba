import type { RecordingEvent } from '@airlock/core';
import type { RecordingStore } from '@airlock/recording';
import { connectV1Client, waitFor } from '@airlock/testkit';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { mcpPost, modernToolCall, textOf } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * Guardrails end to end: MCP SDK clients through gateway and agent to real servers, recording
 * into PGlite. Each refusal is an in-band JSON-RPC error naming the rule, the session goes on,
 * and the gateway's recording event for the message carries the decision.
 */
const RULES = [
  { name: 'no-crash', tool: 'crash', action: 'deny', message: 'Crashing the server is not allowed.' },
  { name: 'no-users-table', tool: 'echo', when: 'arguments.text.contains("users")', action: 'deny' },
  { name: 'audit-adds', tool: 'add', action: 'audit' },
  {
    name: 'hold-big',
    tool: 'big',
    when: 'arguments.bytes > 1000',
    action: 'approve',
    approvers: ['sre-leads'],
  },
  { name: 'no-secret-out', direction: 'response', when: 'text.contains("TOP SECRET")', action: 'deny' },
];

let upstreams: Upstreams;
let airlock: AirlockHarness;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({
    connections: {
      'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown>,
      modern: upstreams.connections['modern'] as Record<string, unknown>,
    },
    gateway: { guardrails: { rules: RULES } },
    recording: { spool: { fsync: 'never' }, modernSessionIdleSeconds: 1 },
  });
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

async function refusal(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

async function recorded(connection: string): Promise<RecordingEvent[]> {
  const store = airlock.gateway.recording?.store as RecordingStore;
  return waitFor(`the ${connection} session's end`, async () => {
    const page = await store.listSessions({ connection, limit: 10 });
    for (const summary of page.sessions) {
      const events = await store.getEvents(summary.id);
      if (events.some((e) => e.kind === 'session_end' && e.source === 'gateway')) return events;
    }
    return undefined;
  });
}

const decisionFor = (events: readonly RecordingEvent[], predicate: (message: string) => boolean) =>
  events.find((e) => e.source === 'gateway' && e.kind === 'message' && predicate(JSON.stringify(e.message)))
    ?.decision;

describe('guardrails on a legacy session', () => {
  it('deny, CEL on arguments, audit, approve and output rules, each recorded, and the session goes on', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'), { name: 'guardrails-e2e' });

    const crash = await refusal(client.callTool({ name: 'crash', arguments: {} }));
    expect(crash.code).toBe(-32009);
    expect(crash.message).toContain('guardrail "no-crash"');
    expect(crash.message).toContain('Crashing the server is not allowed.');

    const users = await refusal(
      client.callTool({ name: 'echo', arguments: { text: 'select * from users' } }),
    );
    expect(users.message).toContain('guardrail "no-users-table"');
    expect(
      textOf(await client.callTool({ name: 'echo', arguments: { text: 'select * from orders' } })),
    ).toContain('select * from orders');

    expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toContain('5');

    // Held for approval (approvals.test.ts follows holds end to end): here an SRE lead denies it.
    const held = refusal(client.callTool({ name: 'big', arguments: { bytes: 5000 } }));
    const gate = airlock.gateway.http.approvalGate;
    const approval = await waitFor('the held call', async () =>
      (await gate.store.listApprovals({ status: 'pending', limit: 5 })).approvals.find(
        (a) => a.target === 'big',
      ),
    );
    await gate.store.voteOnApproval(
      approval.id,
      {
        by: 'lead',
        groups: ['sre-leads'],
        decision: 'deny',
        reason: 'too big',
        at: new Date().toISOString(),
      },
      new Date(),
    );
    gate.wake(approval.id);
    const denied = await held;
    expect(denied.code).toBe(-32012);
    expect(denied.message).toContain('lead denied approval');
    expect(textOf(await client.callTool({ name: 'big', arguments: { bytes: 10 } }))).toHaveLength(10);

    const leaked = await refusal(client.callTool({ name: 'echo', arguments: { text: 'TOP SECRET plans' } }));
    expect(leaked.message).toContain('guardrail "no-secret-out"');

    // Still the same session, still working.
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toContain(
      'still here',
    );
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();

    const events = await recorded('kitchen-http');
    expect(decisionFor(events, (m) => m.includes('"name":"crash"'))).toMatchObject({
      action: 'deny',
      rule: 'guardrail:no-crash',
      guardrails: [{ rule: 'no-crash', action: 'deny' }],
    });
    expect(decisionFor(events, (m) => m.includes('from users'))).toMatchObject({
      action: 'deny',
      rule: 'guardrail:no-users-table',
    });
    expect(decisionFor(events, (m) => m.includes('"name":"add"'))).toMatchObject({
      action: 'audit',
      guardrails: [{ rule: 'audit-adds', action: 'audit' }],
    });
    expect(decisionFor(events, (m) => m.includes('"bytes":5000'))).toMatchObject({
      action: 'hold',
      guardrails: [{ rule: 'hold-big', action: 'approve' }],
    });
    // The output rule's replacement is what the gateway recorded and the client received.
    const replaced = events.find(
      (e) =>
        e.source === 'gateway' &&
        e.direction === 'server_to_client' &&
        e.decision?.rule === 'guardrail:no-secret-out',
    );
    expect(JSON.stringify(replaced?.message)).toContain('-32009');
    expect(JSON.stringify(replaced?.message)).not.toContain('TOP SECRET plans');
  });
});

describe('guardrails on modern-era requests', () => {
  it('refuse by the same rules', async () => {
    const denied = modernToolCall(1, 'echo', { text: 'drop the users table' });
    const answer = await mcpPost(airlock.mcpUrl('modern'), denied.body, { headers: denied.headers });
    const error = answer.messages[0]?.['error'] as { code: number; message: string } | undefined;
    expect(error?.code).toBe(-32009);
    expect(error?.message).toContain('guardrail "no-users-table"');
    const allowed = modernToolCall(2, 'echo', { text: 'hello' });
    const ok = await mcpPost(airlock.mcpUrl('modern'), allowed.body, { headers: allowed.headers });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.messages)).toContain('hello');
  });
});
