import type { AddressInfo } from 'node:net';
import {
  DEMO_PEOPLE,
  freePort,
  startTestIdentityProvider,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from '../e2e/support/gateway-cluster.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from '../e2e/support/round-robin-balancer.js';
import { chromiumInstall, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';

/**
 * Console sign-in sessions live in the shared store: a gateway restart keeps the browser signed
 * in, sign-out deletes the session everywhere (its cookie then opens nothing), and two gateways on
 * one PostgreSQL behind a round-robin balancer (no stickiness) serve one browser's sign-in and
 * requests whichever gateway each request reaches.
 */

async function sessionStatus(page: Page, base: string): Promise<number> {
  const answer = await page.request.get(`${base}/console/auth/session`);
  return answer.status();
}

describe.skipIf(chromiumInstall.path === undefined)('console sign-in sessions in the store', () => {
  let harness: ConsoleHarness;

  beforeAll(async () => {
    harness = await startConsoleHarness({
      gateway: { access: { rules: [{ groups: ['*'], connections: ['*'] }] } },
      recording: { spool: { fsync: 'never' } },
    });
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('keeps alice signed in across a gateway restart; sign-out deletes the session for good', async () => {
    const page = await harness.signIn('alice');
    expect(await sessionStatus(page, harness.url)).toBe(200);
    const [cookie] = await page.context().cookies(harness.url);
    expect(cookie?.httpOnly).toBe(true);

    await harness.airlock.restartGateway();
    await page.reload();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Alice');
    expect(await sessionStatus(page, harness.url)).toBe(200);
    await page.getByTestId('sessions-table').or(page.getByText('No sessions match.')).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out of the Airlock console' }).waitFor();
    // The old cookie value, sent again by hand, opens nothing: the record is gone from the store.
    const replayed = await fetch(`${harness.url}/console/auth/session`, {
      headers: { cookie: `${cookie?.name}=${cookie?.value}` },
    });
    expect(replayed.status).toBe(401);
    await page.context().close();
  }, 180_000);
});

describe.skipIf(chromiumInstall.path === undefined)('console behind two gateways without stickiness', () => {
  let cluster: GatewayCluster;
  let balancer: RoundRobinBalancer;
  let idp: TestIdentityProvider;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    idp = await startTestIdentityProvider({ users: DEMO_PEOPLE, consoleUrls: [url] });
    cluster = await startGatewayCluster({
      gateways: 2,
      connections: { kitchen: { transport: 'http', url: 'http://127.0.0.1:9/mcp' } },
      gateway: {
        publicUrl: url,
        auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
        audit: { groups: ['auditors'] },
        admin: { groups: ['auditors'] },
        access: { rules: [{ groups: ['*'], connections: ['*'] }] },
      },
    });
    // Each gateway's own listener (its `url` is the shared public URL, the balancer's).
    const own = cluster.gateways.map(
      (g) => `http://127.0.0.1:${(g!.http.server.address() as AddressInfo).port}`,
    );
    balancer = await startRoundRobinBalancer(own, { port });
    browser = await chromium.launch({
      executablePath: chromiumInstall.path,
      args: ['--no-sandbox', '--disable-gpu'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await balancer?.close();
    await cluster?.close();
    await idp?.close();
  });

  it('signs bob in and serves his console from either gateway', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const servedBefore = balancer.served.length;
    // Sign-in starts on one gateway and its callback may reach the other: the pending sign-in is shared.
    await page.goto(`${balancer.url}/console/sessions`);
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill(DEMO_PEOPLE['bob']?.password ?? '');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    // Requests alternate between the gateways; every one is signed in.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push((await page.request.get(`${balancer.url}/api/v1/sessions?limit=5`)).status());
      statuses.push(await sessionStatus(page, balancer.url));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(new Set(balancer.served.slice(servedBefore))).toEqual(new Set([0, 1]));
    await context.close();
  }, 180_000);
});
