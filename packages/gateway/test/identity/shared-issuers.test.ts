import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcIdentity } from '../../src/index.js';
import { trustedIssuers } from '../../src/identity/trusted-issuer.js';
import { CapturedLogs, oidcGatewayConfig, PUBLIC_URL, resourceOf } from './helpers/identity-harness.js';

/**
 * A gateway verifies tokens in three places: its MCP endpoints, the sessions API and the admin
 * API. Given the gateway's one set of trusted issuers, the three discover the provider and fetch
 * its keys once between them, not once each.
 */
let idp: TestIdentityProvider;

beforeAll(async () => {
  idp = await startTestIdentityProvider({
    resources: (resource) => ({ audience: resource, scopes: ['mcp'] }),
  });
});

afterAll(async () => {
  await idp?.close();
});

/** Three resolvers as a gateway makes them; each verifies one real token of its own. */
async function verifyInThree(shared: boolean): Promise<{ discoveries: number; keyFetches: number }> {
  const config = oidcGatewayConfig(idp);
  const logs = new CapturedLogs();
  const discoveries = idp.discoveryRequests;
  const keyFetches = idp.jwksRequests;
  const issuers =
    shared && config.auth.mode === 'oidc'
      ? trustedIssuers(config.auth.issuers, { logger: logs.logger })
      : undefined;
  const withIssuers = issuers ? { issuers } : {};
  const mcp = createOidcIdentity(config, { logger: logs.logger, ...withIssuers });
  const sessionsApi = createOidcIdentity(config, {
    logger: logs.logger,
    resource: 'gateway',
    ...withIssuers,
  });
  const adminApi = createOidcIdentity(config, { logger: logs.logger, resource: 'gateway', ...withIssuers });
  const bearer = async (resource: string) =>
    `Bearer ${await idp.issueAccessToken({ user: 'alice', resource })}`;
  const callers = [
    await mcp.resolve({ authorization: await bearer(resourceOf('demo')), connection: 'demo' }),
    await sessionsApi.resolve({ authorization: await bearer(PUBLIC_URL), connection: '' }),
    await adminApi.resolve({ authorization: await bearer(PUBLIC_URL), connection: '' }),
  ];
  expect(callers.map((caller) => caller.subject)).toEqual(['alice', 'alice', 'alice']);
  return { discoveries: idp.discoveryRequests - discoveries, keyFetches: idp.jwksRequests - keyFetches };
}

describe("a gateway's trusted issuers", () => {
  it('are discovered, and their keys fetched, once for all its resolvers', async () => {
    expect(await verifyInThree(true)).toEqual({ discoveries: 1, keyFetches: 1 });
  });

  it('(each resolver making its own did all of it three times)', async () => {
    expect(await verifyInThree(false)).toEqual({ discoveries: 3, keyFetches: 3 });
  });
});
