import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEMO_PEOPLE,
  freePort,
  startKitchenSinkHttp,
  startTestIdentityProvider,
  type RunningServer,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureChromium } from '../../../scripts/ensure-chromium.mjs';
import { startAirlock, type AirlockHarness, type HarnessOptions } from '../../e2e/support/airlock-harness.js';

/** Where the console tests write their screenshots (printed once per run). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../test-results/console-screenshots');
let announced = false;

export type Person = 'alice' | 'bob' | 'carol';

export interface ConsoleHarness {
  readonly airlock: AirlockHarness;
  readonly idp: TestIdentityProvider;
  readonly browser: Browser;
  /** The gateway's public URL (a loopback port the browser reaches directly). */
  readonly url: string;
  /** A fresh browser context (its own cookies) signed in as `person` through the provider's login page. */
  signIn(person: Person, path?: string): Promise<Page>;
  /** A token for the gateway's API (as the CLI has it), to set things up or check them. */
  apiToken(person: Person): Promise<string>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Chromium for the tests, or the reason there is none (the suite then skips, saying why). */
export const chromiumInstall = ensureChromium();

/**
 * A gateway and agent (the e2e harness) with OIDC from the in-process provider, whose `airlock-console`
 * client may sign in to this gateway, plus a headless Chromium. alice (sre), bob (auditors, admin,
 * approver) and carol (contractors) are the dev demo people with their passwords.
 */
export async function startConsoleHarness(
  options: Omit<HarnessOptions, 'gateway' | 'connections'> & {
    gateway?: Record<string, unknown>;
    connections?: HarnessOptions['connections'];
  },
): Promise<ConsoleHarness> {
  const executablePath = chromiumInstall.path;
  if (executablePath === undefined) throw new Error(chromiumInstall.reason);
  // "kitchen": the kitchen-sink MCP server (2025 era) over HTTP, unless the test brings its own.
  const kitchen: RunningServer | undefined = options.connections
    ? undefined
    : await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  // The gateway's port must be known before it listens (the provider registers the console's
  // redirect URL), so it is picked free and may be taken by a parallel test before the gateway
  // binds it: then pick another.
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const idp = await startTestIdentityProvider({ users: DEMO_PEOPLE, consoleUrls: [url] });
    try {
      const airlock = await startAirlock({
        ...options,
        connections: options.connections ?? {
          kitchen: { transport: 'http', url: kitchen?.url ?? '' },
        },
        gateway: {
          listen: { host: '127.0.0.1', port },
          publicUrl: url,
          auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
          audit: { groups: ['auditors'] },
          admin: { groups: ['auditors'] },
          ...options.gateway,
        },
      });
      return await withBrowser(executablePath, airlock, idp, url, kitchen);
    } catch (error) {
      await idp.close();
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) {
        await kitchen?.close();
        throw error;
      }
    }
  }
}

async function withBrowser(
  executablePath: string,
  airlock: AirlockHarness,
  idp: TestIdentityProvider,
  url: string,
  kitchen: RunningServer | undefined,
): Promise<ConsoleHarness> {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  const contexts: BrowserContext[] = [];
  return {
    airlock,
    idp,
    browser,
    url,
    async signIn(person, path = '/console/sessions') {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${url}${path}`);
      // The provider's own login page (not a shortcut): username and password as a person types them.
      await page.getByLabel('Username').fill(person);
      await page.getByLabel('Password').fill(DEMO_PEOPLE[person]?.password ?? '');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByTestId('signed-in-as').waitFor();
      return page;
    },
    apiToken: (person) => idp.issueAccessToken({ user: person, resource: url }),
    async screenshot(page, name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      if (!announced) {
        announced = true;
        process.stdout.write(`console screenshots: ${SCREENSHOT_DIR}\n`);
      }
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await airlock.close();
      await kitchen?.close();
      await idp.close();
    },
  };
}
