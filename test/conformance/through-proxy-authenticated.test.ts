import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  spawnNode,
  startConformanceHttp,
  startLoopbackIdentityProvider,
  type NodeProcess,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from '../e2e/support/airlock-harness.js';
import { AIRLOCK_CLI, cliLogin } from '../e2e/support/cli-login.js';
import { formatConformance, runServerConformanceDetailed, type ConformanceRun } from './run-conformance.js';

/**
 * The conformance parity of through-airlock.test.ts with authentication on: the gateway requires
 * OIDC tokens, the person logs in with `airlock login`, and the suite (which speaks no OAuth) runs
 * through `airlock proxy`, which adds the token. Every scenario must end as it does directly.
 */
describe('conformance: through airlock proxy with authentication equals direct', () => {
  let server: Awaited<ReturnType<typeof startConformanceHttp>>;
  let idp: Awaited<ReturnType<typeof startLoopbackIdentityProvider>>;
  let airlock: AirlockHarness;
  let proxy: NodeProcess;
  let home: string;
  let direct: ConformanceRun;
  let through: ConformanceRun;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'airlock-conformance-home-'));
    server = await startConformanceHttp();
    idp = await startLoopbackIdentityProvider();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    airlock = await startAirlock({
      connections: { conformance: { transport: 'http', url: server.url, eras: ['legacy', 'modern'] } },
      gateway: {
        listen: { host: '127.0.0.1', port },
        publicUrl,
        auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
        access: { rules: [{ groups: ['sre'], connections: ['*'] }] },
      },
    });
    const env = { AIRLOCK_HOME: home };
    await cliLogin({
      gateway: publicUrl,
      flow: 'browser',
      username: 'alice',
      password: 'alice-sre',
      connections: ['conformance'],
      env,
    });
    proxy = spawnNode(AIRLOCK_CLI, ['proxy', '--gateway', publicUrl, '--port', '0'], { env });
    const ready = await proxy.waitForLine((l) => l.startsWith('airlock proxy: ready at '));
    const proxyUrl = ready.slice('airlock proxy: ready at '.length);

    const unauthenticated = await fetch(`${publicUrl}/mcp/conformance`, { method: 'POST', body: '{}' });
    expect(unauthenticated.status).toBe(401);
    await unauthenticated.body?.cancel();

    direct = await runServerConformanceDetailed(server.url, { suite: 'all' });
    through = await runServerConformanceDetailed(`${proxyUrl}/mcp/conformance`, { suite: 'all' });
  }, 240_000);

  afterAll(async () => {
    await proxy?.kill();
    await airlock?.close();
    await idp?.close();
    await server?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs the same scenarios both ways, and enough of them pass to mean something', () => {
    expect([...through.results.keys()].sort()).toEqual([...direct.results.keys()].sort());
    const passing = [...through.results.values()].filter((r) => r.outcome === 'pass').length;
    expect(passing).toBeGreaterThanOrEqual(25);
  });

  it('gives every scenario the same outcome through the proxy and an authenticated gateway as direct', () => {
    const differences = [...direct.results].flatMap(([name, d]) => {
      const t = through.results.get(name);
      return t?.outcome === d.outcome ? [] : [`${name}: direct ${d.outcome}, through Airlock ${t?.outcome}`];
    });
    expect(differences, `through Airlock:\n${formatConformance(through.results)}`).toEqual([]);
  });
});
