import type { RecordingStore, SessionSummary } from '@airlock/recording';
import { connectV1Client, waitFor } from '@airlock/testkit';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumInstall,
  startConsoleHarness,
  type ConsoleHarness,
  type Person,
} from './support/console-harness.js';

/**
 * The sessions page and the replay in Chromium, over sessions recorded through a real gateway and
 * agent: auditor vs own-session visibility, filters, keyboard stepping, masked values, a
 * `<script>` in a tool result shown as text, and live updates of both pages.
 */

const EMAIL = 'dana.secret@example.org';
const SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

let harness: ConsoleHarness;
const sessions: Partial<Record<Person, string>> = {};

async function record(
  person: Person,
  calls: { name: string; arguments: Record<string, unknown> }[],
): Promise<string> {
  const token = await harness.idp.issueAccessToken({ user: person, resource: `${harness.url}/mcp/kitchen` });
  const client: Client = await connectV1Client(`${harness.url}/mcp/kitchen`, {
    name: `console-${person}`,
    headers: { authorization: `Bearer ${token}` },
  });
  for (const call of calls) await client.callTool(call);
  await (client.transport as StreamableHTTPClientTransport).terminateSession();
  await client.close();
  const store = harness.airlock.gateway.recording?.store as RecordingStore;
  // Recorded, ended, and both records in the store (the agent's arrive over the tunnel).
  const summary = await waitFor<SessionSummary>(`${person}'s session in the store`, async () => {
    const page = await store.listSessions({ subject: person, limit: 10 });
    return page.sessions.find(
      (s) => s.status === 'ended' && s.agentMessageCount > 0 && s.agentMessageCount === s.gatewayMessageCount,
    );
  });
  return summary.id;
}

async function rows(page: Page): Promise<string[]> {
  await page.getByTestId('sessions-table').waitFor();
  return page
    .locator('[data-testid=sessions-table] tbody tr')
    .evaluateAll((trs) =>
      trs.map(
        (tr) => (tr as unknown as { dataset: Record<string, string | undefined> }).dataset['session'] ?? '',
      ),
    );
}

beforeAll(async () => {
  harness = await startConsoleHarness({
    gateway: { access: { rules: [{ groups: ['*'], connections: ['*'] }] } },
    recording: { spool: { fsync: 'never' } },
  });
  sessions.alice = await record('alice', [
    { name: 'echo', arguments: { text: 'hello from alice' } },
    { name: 'echo', arguments: { text: `write to ${EMAIL}` } },
    { name: 'echo', arguments: { text: SCRIPT } },
  ]);
  sessions.carol = await record('carol', [{ name: 'add', arguments: { a: 2, b: 3 } }]);
}, 180_000);

afterAll(async () => {
  await harness?.close();
});

describe.skipIf(chromiumInstall.path === undefined)('sessions page', () => {
  it('shows an auditor everyone’s sessions, filtered by person and by tool', async () => {
    const page = await harness.signIn('bob');
    expect((await rows(page)).sort()).toEqual([sessions.alice, sessions.carol].sort());
    // The client's name (initialize's clientInfo) and the masked marker (alice's email came back masked).
    const alice = page.locator(`[data-testid=sessions-table] tr[data-session="${sessions.alice}"]`);
    expect(await alice.getByRole('cell', { name: 'console-alice' }).count()).toBe(1);
    expect(await alice.locator('[data-marker=masked]').textContent()).toBe('1 masked');
    const carol = page.locator(`[data-testid=sessions-table] tr[data-session="${sessions.carol}"]`);
    expect(await carol.locator('[data-testid=markers] [data-marker]').count()).toBe(0);
    await harness.screenshot(page, 'sessions');

    await page.getByLabel('Person (subject)').fill('alice');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/subject=alice/);
    await waitFor('only alice’s session', async () =>
      (await rows(page)).join() === sessions.alice ? true : undefined,
    );

    await page.goto(`${harness.url}/console/sessions?tool=add`);
    await waitFor('only the session that called add', async () =>
      (await rows(page)).join() === sessions.carol ? true : undefined,
    );
    await page.goto(`${harness.url}/console/sessions?text=hello%20from`);
    await waitFor('only the session that said hello', async () =>
      (await rows(page)).join() === sessions.alice ? true : undefined,
    );
    await page.context().close();
  }, 90_000);

  it('shows carol only her own sessions, and not alice’s even by URL', async () => {
    const page = await harness.signIn('carol');
    expect(await rows(page)).toEqual([sessions.carol]);
    await page.goto(`${harness.url}/console/sessions/${encodeURIComponent(sessions.alice ?? '')}`);
    const error = page.getByRole('alert');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('recording_not_found');
    expect(await page.getByTestId('timeline').count()).toBe(0);
    expect(await page.content()).not.toContain('hello from alice');
    await page.context().close();
  }, 90_000);
});

describe.skipIf(chromiumInstall.path === undefined)('session replay', () => {
  it('steps through alice’s session with the keyboard, verified, masked values marked, a <script> inert', async () => {
    const page = await harness.signIn(
      'alice',
      `/console/sessions/${encodeURIComponent(sessions.alice ?? '')}`,
    );
    const verification = page.getByTestId('verification');
    await verification.getByText('verified').waitFor();
    const position = page.getByTestId('position');
    const total = Number((await position.textContent())?.split('/')[1]);
    expect(total).toBeGreaterThan(10);
    expect(await position.textContent()).toBe(`1 / ${total}`);

    const at = (n: number) =>
      page.waitForFunction(
        `document.querySelector('[data-testid=position]')?.textContent === ${JSON.stringify(`${n} / ${total}`)}`,
      );
    await page.getByTestId('timeline').focus();
    await page.keyboard.press('ArrowDown');
    await at(2);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await at(4);
    await page.keyboard.press('k');
    await at(3);
    await page.keyboard.press('End');
    await at(total);
    await page.keyboard.press('Home');
    await at(1);

    // The masked answer: the value is gone, its type is marked.
    await page.locator('.event-row', { hasText: 'result: write to [MASKED:EMAIL]' }).first().click();
    const detail = page.getByTestId('event-detail');
    const mark = detail.locator('[data-testid=result-text] mark[data-masked-type=EMAIL]');
    expect(await mark.textContent()).toBe('[MASKED:EMAIL]');
    expect(await detail.getByRole('region', { name: 'Masked values' }).textContent()).toContain('EMAIL');
    // (The request carried it: masking covers what servers send, so only the answer hides it.)
    expect(await detail.getByTestId('result-text').textContent()).toBe('write to [MASKED:EMAIL]');
    await harness.screenshot(page, 'replay');

    // The script came back as a tool result: shown as the text it is, never run, never an element.
    await page.locator('.event-row', { hasText: 'result: <script>' }).first().click();
    expect(await detail.getByTestId('result-text').textContent()).toBe(SCRIPT);
    expect(await page.locator('.event-detail script, .event-detail img, .event-row script').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    // Raw JSON is one click away.
    await detail.getByText('Raw JSON').click();
    expect(await detail.getByTestId('raw-json').textContent()).toContain('"kind": "message"');
    await page.context().close();
  }, 90_000);
});

describe.skipIf(chromiumInstall.path === undefined)('live updates', () => {
  it('shows a session on the open sessions page as it starts, and its new messages in the open replay', async () => {
    const page = await harness.signIn('bob');
    await page.getByRole('checkbox', { name: /Live \(new sessions/ }).check();
    await page.getByTestId('live-state').getByText('live').waitFor();
    const before = await rows(page);
    await page.evaluate('window.__notReloaded = true');

    // alice starts a session and keeps it open.
    const token = await harness.idp.issueAccessToken({
      user: 'alice',
      resource: `${harness.url}/mcp/kitchen`,
    });
    const client: Client = await connectV1Client(`${harness.url}/mcp/kitchen`, {
      name: 'console-live-alice',
      headers: { authorization: `Bearer ${token}` },
    });
    await client.callTool({ name: 'echo', arguments: { text: 'live one' } });
    const row = page.locator('[data-testid=sessions-table] tbody tr', { hasText: 'console-live-alice' });
    await row.waitFor({ timeout: 15_000 });
    const id = (await row.getAttribute('data-session')) ?? '';
    expect(before).not.toContain(id);
    expect((await rows(page))[0]).toBe(id);
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    await harness.screenshot(page, 'sessions-live');

    // The running session's replay, opened in the page (no reload), follows it.
    await row.getByRole('link').click();
    await page.getByText('live: new events appear as they are recorded').waitFor();
    await page.locator('.event-row', { hasText: 'result: live one' }).first().waitFor();
    await client.callTool({ name: 'echo', arguments: { text: 'live two' } });
    await page.locator('.event-row', { hasText: 'result: live two' }).first().waitFor({ timeout: 15_000 });
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    await harness.screenshot(page, 'replay-live');

    // It ends: the status changes and the verification appears, still without a reload.
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();
    await page.getByTestId('verification').waitFor({ timeout: 15_000 });
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    await page.context().close();
  }, 90_000);
});
