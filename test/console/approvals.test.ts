import { connectV1Client, startKitchenSinkHttp, waitFor, type RunningServer } from '@airlock/testkit';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, type RecordingProxy } from '../e2e/support/recording-proxy.js';
import { textOf } from '../e2e/support/mcp-http.js';
import { chromiumInstall, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';

/**
 * An approval decided in the browser: alice's SDK client calls a held tool and waits; bob, an
 * approver, has the console's approvals page open: the held call appears there live (no reload),
 * he approves it, and the call runs exactly once upstream.
 */

let harness: ConsoleHarness;
let kitchen: RunningServer;
let proxy: RecordingProxy;

function executions(text: string): number {
  return proxy.requests.filter((r) => {
    const params = r.body?.['params'] as { arguments?: Record<string, unknown> } | undefined;
    return r.rpcMethod === 'tools/call' && params?.arguments?.['text'] === text;
  }).length;
}

beforeAll(async () => {
  kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  proxy = await startRecordingProxy(kitchen.url);
  harness = await startConsoleHarness({
    connections: { kitchen: { transport: 'http', url: proxy.url } },
    gateway: {
      access: { rules: [{ groups: ['*'], connections: ['*'] }] },
      guardrails: {
        rules: [
          {
            name: 'hold-deploys',
            tool: 'echo',
            when: 'arguments.text.startsWith("deploy")',
            action: 'approve',
            message: 'Deploys need an auditor.',
            approvers: ['auditors'],
          },
        ],
      },
      approvals: { pollMs: 200 },
    },
    recording: { spool: { fsync: 'never' } },
  });
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await proxy?.close();
  await kitchen?.close();
});

describe.skipIf(chromiumInstall.path === undefined)('approvals page', () => {
  it('bob approves alice’s held call in the browser; it runs exactly once upstream', async () => {
    // bob's page is open (and live) before alice's call is held: it must appear there by itself.
    const page = await harness.signIn('bob', '/console/approvals');
    await page.getByTestId('live-state').getByText('live').waitFor();
    await page.getByText('No held calls wait for you.').waitFor();
    await page.evaluate('window.__notReloaded = true');
    const token = await harness.idp.issueAccessToken({
      user: 'alice',
      resource: `${harness.url}/mcp/kitchen`,
    });
    const alice: Client = await connectV1Client(`${harness.url}/mcp/kitchen`, {
      name: 'console-approvals-alice',
      headers: { authorization: `Bearer ${token}` },
    });
    const held = alice.callTool({ name: 'echo', arguments: { text: 'deploy v7' } }, undefined, {
      timeout: 120_000,
    });

    const card = page.locator('article.approval', { hasText: 'echo' });
    await card.waitFor({ timeout: 20_000 });
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('alice@example.com');
    expect(text).toContain('hold-deploys: Deploys need an auditor.');
    expect(text).toContain('"text": "deploy v7"');
    expect(executions('deploy v7')).toBe(0);
    await harness.screenshot(page, 'approvals');

    await card.getByLabel('Reason (required to deny)').fill('release window is open');
    await card.getByRole('button', { name: 'Approve' }).click();
    const result = await held;
    expect(textOf(result)).toContain('deploy v7');
    // Decided: the queue empties and the decision shows who and why, without a reload.
    await page.getByText('No held calls wait for you.').waitFor();
    const decided = page.getByTestId('decided-approvals');
    await decided.getByText('bob (approve: release window is open)').waitFor();
    await waitFor('the upstream to have seen the call', async () =>
      executions('deploy v7') > 0 ? true : undefined,
    );
    // A second approval click cannot happen (the card is gone); the call ran exactly once.
    await new Promise((r) => setTimeout(r, 500));
    expect(executions('deploy v7')).toBe(1);
    await alice.close();
    await page.context().close();
  }, 90_000);
});
