import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumInstall, startConsoleHarness, type ConsoleHarness } from './support/console-harness.js';

/**
 * The console's sign-in (the gateway as backend-for-frontend: code + PKCE with the provider's real
 * login page), its cookie, its sign-out, its security headers and its CSRF defences, in Chromium.
 */

let console_: ConsoleHarness;
let attacker: Server;
let attackerUrl: string;

beforeAll(async () => {
  console_ = await startConsoleHarness({ recording: { spool: { fsync: 'never' } } });
  // Another origin on the same machine (same *site*, so SameSite=Strict alone would not stop it).
  attacker = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<form method="post" action="${console_.url}${target}"><input type="hidden" name="x" value="1"><button>Win a prize</button></form>`,
    );
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await console_?.close();
  if (attacker) await new Promise((resolve) => attacker.close(resolve));
});

describe.skipIf(chromiumInstall.path === undefined)('console sign-in', () => {
  it('signs alice in through the provider, with an HttpOnly SameSite=Strict cookie, and out again', async () => {
    const page = await console_.signIn('alice');
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('Alice (SRE)');
    expect(page.url()).toBe(`${console_.url}/console/sessions`);
    const cookies = await page.context().cookies(console_.url);
    const session = cookies.find((c) => c.name === 'airlock-console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // The page's script cannot read it, and no token ever reaches the browser.
    expect(await page.evaluate('document.cookie')).toBe('');
    const storage = await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })');
    expect(storage).toBe('{}');
    const cookieHeader = `airlock-console=${session?.value ?? ''}`;
    // The cookie is the person's session at the gateway: the API answers it like alice's token.
    const before = await fetch(`${console_.url}/api/v1/sessions`, { headers: { cookie: cookieHeader } });
    expect(before.status).toBe(200);
    await console_.screenshot(page, 'signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out of the Airlock console' }).waitFor();
    // Ended at the gateway: the old cookie is worth nothing now, even replayed by hand.
    const after = await fetch(`${console_.url}/api/v1/sessions`, { headers: { cookie: cookieHeader } });
    expect(after.status).toBe(401);
    const sessionAfter = await fetch(`${console_.url}/console/auth/session`, {
      headers: { cookie: cookieHeader },
    });
    expect(sessionAfter.status).toBe(401);
    await page.context().close();
  }, 90_000);

  it('serves the console with a strict CSP, X-Frame-Options DENY and nosniff, every asset from the gateway', async () => {
    const page = await console_.signIn('carol');
    const index = await fetch(`${console_.url}/console/sessions`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await index.text();
    // No inline script or style: only files of this gateway.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style=/);
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const script = await fetch(`${console_.url}${asset ?? ''}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect(script.headers.get('content-security-policy')).not.toBeNull();
    // Everything the page loaded came from the gateway itself.
    const origins = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).origin),
    );
    expect(new Set(origins)).toEqual(new Set([console_.url]));
    await page.context().close();
  }, 90_000);

  it('refuses a cross-site POST carrying the session cookie, and one without the CSRF token', async () => {
    const page = await console_.signIn('alice');
    const [cookie] = (await page.context().cookies(console_.url)).filter((c) => c.name === 'airlock-console');
    const cookieHeader = `airlock-console=${cookie?.value ?? ''}`;

    // A page on another origin posts a form to the sign-out endpoint and to an API: refused.
    for (const target of ['/console/auth/logout', '/api/v1/access/requests']) {
      await page.goto(`${attackerUrl}/?target=${encodeURIComponent(target)}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(console_.url) && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Win a prize' }).click(),
      ]);
      expect(response.status(), target).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'csrf_refused' } });
    }
    // The right origin but no CSRF token (what a same-site form could send at best): refused too.
    const noToken = await fetch(`${console_.url}/console/auth/logout`, {
      method: 'POST',
      headers: { cookie: cookieHeader, origin: console_.url },
    });
    expect(noToken.status).toBe(403);
    // Alice is still signed in: nothing above ended her session.
    const still = await fetch(`${console_.url}/console/auth/session`, { headers: { cookie: cookieHeader } });
    expect(still.status).toBe(200);
    await page.context().close();
  }, 90_000);
});
