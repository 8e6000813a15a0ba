import type { JsonRpcMessage, RecordingEvent, RelayContext } from '@airlock/core';
import { SessionRecorder, type RecordingStore, type SessionSummary } from '@airlock/recording';
import { connectV1Client, waitFor } from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstall, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';

/**
 * The replay shows the gateway's and the agent's records side by side where they differ. A real
 * difference: an access rule hides the `add` tool, so the gateway's `tools/list` answer (what the
 * client received) lacks it while the agent's (what the server said) has it.
 */

let harness: ConsoleHarness;
let sessionId: string;
/** A modern-era group that two gateways of a cluster served: each wrote its own chain of it. */
const groupId = 'modern-group-two-gateways';

/** Four calls, alternating between gateways a and b, and the agent's record of each. */
async function twoGatewayGroup(): Promise<RecordingEvent[]> {
  const base: RelayContext = {
    sessionId: groupId,
    connection: 'kitchen',
    caller: { subject: 'alice', groups: ['sre'], anonymous: false },
    era: 'modern',
    protocolVersion: '2026-07-28',
  };
  const events: RecordingEvent[] = [];
  const spool = { append: (event: RecordingEvent) => Promise.resolve(events.push(event)) };
  const gateways = [
    { recorder: new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-a' }), chain: 'aaaaaaaa' },
    { recorder: new SessionRecorder({ spool, source: 'gateway', gatewayId: 'gw-b' }), chain: 'bbbbbbbb' },
  ];
  const agent = new SessionRecorder({ spool, source: 'agent', agentId: 'agent-1' });
  const start = Date.now() - 60_000;
  for (let i = 0; i < 4; i++) {
    const { recorder, chain } = gateways[i % 2]!;
    const at = start + i * 1000;
    const call: JsonRpcMessage = {
      jsonrpc: '2.0',
      id: i + 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: `call ${i}` } },
    };
    const answer: JsonRpcMessage = { jsonrpc: '2.0', id: i + 1, result: { content: [] } };
    const context = { ...base, chain };
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

beforeAll(async () => {
  harness = await startConsoleHarness({
    gateway: { access: { rules: [{ groups: ['*'], connections: ['*'], tools: { deny: ['add'] } }] } },
    recording: { spool: { fsync: 'never' } },
  });
  const token = await harness.idp.issueAccessToken({ user: 'alice', resource: `${harness.url}/mcp/kitchen` });
  const client = await connectV1Client(`${harness.url}/mcp/kitchen`, {
    name: 'side-by-side',
    headers: { authorization: `Bearer ${token}` },
  });
  const tools = (await client.listTools()).tools.map((t) => t.name);
  expect(tools).not.toContain('add');
  await client.callTool({ name: 'echo', arguments: { text: 'same on both sides' } });
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await client.close();
  const store = harness.airlock.gateway.recording?.store as RecordingStore;
  const summary = await waitFor<SessionSummary>('the session with both records in the store', async () => {
    const page = await store.listSessions({ subject: 'alice', limit: 10 });
    return page.sessions.find(
      (s) => s.status === 'ended' && s.agentMessageCount > 0 && s.agentMessageCount === s.gatewayMessageCount,
    );
  });
  sessionId = summary.id;
  await store.insertEvents(await twoGatewayGroup());
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe.skipIf(chromiumInstall.path === undefined)('replay: the two records side by side', () => {
  it('jumps with d to the step the records tell differently and shows both columns, the hidden tool marked', async () => {
    const page = await harness.signIn('alice', `/console/sessions/${encodeURIComponent(sessionId)}`);
    await page.getByTestId('verification').getByText('verified').waitFor();
    const position = page.getByTestId('position');
    expect(await position.textContent()).toMatch(/^1 \//);
    expect(await page.getByTestId('side-by-side').count()).toBe(0);

    await page.getByTestId('timeline').focus();
    await page.keyboard.press('d');
    const sides = page.getByTestId('side-by-side');
    await sides.waitFor();
    // The selected step is the tools/list answer; both records of it are shown, gateway left.
    const gateway = sides.locator('[data-side=gateway]');
    const agent = sides.locator('[data-side=agent]');
    expect(await gateway.getByRole('heading').textContent()).toContain('as the client received it');
    expect(await agent.getByRole('heading').textContent()).toContain('as the server answered');
    // The lines only the agent's record has include the hidden tool's name; the gateway's copy has none.
    const agentOnly = await agent.locator('ins[data-only=agent]').allTextContents();
    expect(agentOnly.join('')).toContain('"name": "add"');
    expect(await gateway.locator('pre').textContent()).not.toContain('"name": "add"');
    expect(await gateway.locator('ins').count()).toBe(0);
    await harness.screenshot(page, 'replay-side-by-side');
    // Unchanged stretches are folded; "Show every line" unfolds them (the echo tool is in both).
    expect(await gateway.locator('.folded').count()).toBeGreaterThan(0);
    await sides.getByLabel('Show every line').check();
    expect(await gateway.locator('pre').textContent()).toContain('"name": "echo"');
    expect(await gateway.locator('.folded').count()).toBe(0);
    await page.getByTestId('timeline').focus();
    // Both rows of the step are tagged in the timeline; the echo call is not (same on both sides).
    expect(await page.locator('.event-row', { hasText: '≠ other record' }).count()).toBe(2);

    // Stepping on (j) leaves the differing step; D goes back to it from anywhere later.
    await page.keyboard.press('End');
    await sides.waitFor({ state: 'detached' });
    await page.keyboard.press('D');
    await sides.waitFor();
    await page.keyboard.press('D');
    await sides.waitFor();
    expect(await page.locator('.event-row.selected', { hasText: '≠ other record' }).count()).toBe(1);
    await page.context().close();
  }, 90_000);
});

describe.skipIf(chromiumInstall.path === undefined)('replay of a session two gateways recorded', () => {
  it('verifies both gateway chains and names the chain of each event', async () => {
    const page = await harness.signIn('alice', `/console/sessions/${encodeURIComponent(groupId)}`);
    const verification = page.getByTestId('verification');
    await verification.getByText('verified').waitFor();
    expect(await verification.textContent()).toContain('in 2 gateway chains');
    // The first event by time: gateway a's session start.
    expect(await page.getByTestId('event-detail').textContent()).toContain(
      "#1 of the gateway's record (chain aaaaaaaa)",
    );
    // Stepping on in time order reaches gateway b's chain (its first call is the second call).
    await page.getByTestId('timeline').focus();
    const detail = page.getByTestId('event-detail');
    const seen: string[] = [];
    for (let i = 0; i < 12 && !seen.some((t) => t.includes('(chain bbbbbbbb)')); i++) {
      await page.keyboard.press('ArrowDown');
      await page
        .getByTestId('position')
        .filter({ hasText: new RegExp(`^${i + 2} /`) })
        .waitFor();
      seen.push((await detail.textContent()) ?? '');
    }
    const firstOfB = seen.findIndex((t) => t.includes('(chain bbbbbbbb)'));
    expect(firstOfB).toBeGreaterThan(0);
    expect(seen.slice(0, firstOfB).some((t) => t.includes("of the agent's record"))).toBe(true);
    await page.context().close();
  }, 90_000);
});
