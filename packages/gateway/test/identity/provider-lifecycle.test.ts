import { freePort, startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcIdentity } from '../../src/index.js';
import {
  CapturedLogs,
  errorBody,
  oidcGatewayConfig,
  parseChallenge,
  resourceOf,
  startGatewayUnderTest,
  type GatewayUnderTest,
} from './helpers/identity-harness.js';

let idp: TestIdentityProvider;
let gateway: GatewayUnderTest;
const logs = new CapturedLogs();

beforeAll(async () => {
  idp = await startTestIdentityProvider({
    resources: (resource) =>
      resource.endsWith('/mcp/opaque')
        ? { audience: resource, scopes: ['mcp'], format: 'opaque' }
        : { audience: resource, scopes: ['mcp'] },
  });
  const config = oidcGatewayConfig(idp, { clockSkewSeconds: 0 });
  // No JWKS refetch cooldown, so a rotation is picked up by the very next token.
  gateway = await startGatewayUnderTest(
    config,
    logs,
    createOidcIdentity(config, { logger: logs.logger, jwksCooldownMs: 0 }),
  );
});

afterAll(async () => {
  await gateway?.close();
  await idp?.close();
});

describe('tokens over the provider lifecycle', () => {
  it('accepts tokens signed with a rotated-in key by refetching the JWKS, and still the old key', async () => {
    const before = await idp.issueAccessToken({ user: 'alice', resource: resourceOf('demo') });
    expect((await gateway.post('demo', before)).status).toBe(503);
    const fetches = idp.jwksRequests;

    const { kid } = await idp.rotateKeys();
    const after = await idp.issueAccessToken({ user: 'bob', resource: resourceOf('demo') });
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    expect(decodeProtectedHeader(before).kid).not.toBe(kid);
    expect((await gateway.post('demo', after)).status).toBe(503);
    expect(idp.jwksRequests).toBeGreaterThan(fetches);
    // The old key is still published, so a token issued before the rotation stays valid (on the
    // other connection, so the verification cache cannot answer for it).
    const old = await idp.issueAccessToken({ user: 'alice', resource: resourceOf('other') });
    expect((await gateway.post('other', old)).status).toBe(503);
  });

  it('refuses a real token once it expires, even after it was cached', async () => {
    const token = await idp.issueAccessToken({ user: 'carol', resource: resourceOf('demo'), ttlSeconds: 1 });
    expect((await gateway.post('demo', token)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await gateway.post('demo', token);
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).params['error']).toBe('invalid_token');
    expect((await errorBody(response)).message).toMatch(/expired/);
  });

  it('accepts an active opaque token through introspection and refuses an inactive one', async () => {
    const opaque = await idp.issueAccessToken({ user: 'bob', resource: resourceOf('opaque') });
    expect(opaque.split('.')).toHaveLength(1);
    const opened = gateway.directory.opened.length;
    expect((await gateway.post('opaque', opaque)).status).toBe(503);
    expect(gateway.directory.opened[opened]?.caller).toMatchObject({ subject: 'bob', groups: ['auditors'] });

    // Issued for the opaque connection, so not for demo: introspection says so through `aud`.
    expect((await gateway.post('demo', opaque)).status).toBe(401);

    const unknown = await gateway.post('opaque', 'ThisIsNotATokenTheProviderIssued0123456789');
    expect(unknown.status).toBe(401);
    expect((await errorBody(unknown)).message).toMatch(/not active/);

    // Revoked at the provider: refused once the gateway asks again (a fresh connection here, uncached).
    const revoked = await idp.issueAccessToken({ user: 'carol', resource: resourceOf('opaque') });
    await fetch(new URL('/token/revocation', idp.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revoked, client_id: idp.clients.cli.clientId }),
    });
    expect((await gateway.post('opaque', revoked)).status).toBe(401);
    expect(logs.text()).not.toContain(opaque);
    expect(logs.text()).not.toContain(revoked);
  });

  it('answers 503 naming the issuer when the identity provider cannot be reached', async () => {
    const closedPort = await freePort();
    const unreachable = { issuer: `http://127.0.0.1:${closedPort}` };
    const offline = await startGatewayUnderTest(oidcGatewayConfig(unreachable), new CapturedLogs());
    try {
      const token = await idp.forgeToken({
        kind: 'provider-key',
        issuer: unreachable.issuer,
        audience: resourceOf('demo'),
      });
      const response = await offline.post('demo', token);
      expect(response.status).toBe(503);
      const error = await errorBody(response);
      expect(error.data['airlockCode']).toBe('identity_provider_unavailable');
      expect(error.message).toContain(unreachable.issuer);
    } finally {
      await offline.close();
    }
  });
});
