import type { RecordingStore, SessionSummary } from '@airlock/recording';
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
