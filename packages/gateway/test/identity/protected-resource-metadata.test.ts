import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturedLogs,
  oidcGatewayConfig,
  parseChallenge,
  PUBLIC_URL,
  startGatewayUnderTest,
  type GatewayUnderTest,
} from './helpers/identity-harness.js';

let idp: TestIdentityProvider;
let gateway: GatewayUnderTest;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  gateway = await startGatewayUnderTest(
    oidcGatewayConfig(idp, { requiredScopes: ['mcp'] }),
    new CapturedLogs(),
  );
});

afterAll(async () => {
  await gateway?.close();
  await idp?.close();
});

function local(url: string): string {
  const { pathname } = new URL(url);
  return `http://127.0.0.1:${gateway.http.port}${pathname}`;
}

describe('RFC 9728 protected resource metadata', () => {
  it('serves the document the 401 challenge points at, naming the connection and the issuer', async () => {
    const challenge = parseChallenge((await gateway.post('demo')).headers.get('www-authenticate'));
    expect(challenge.params['scope']).toBe('mcp');
    const response = await fetch(local(challenge.params['resource_metadata'] as string));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toEqual({
      resource: `${PUBLIC_URL}/mcp/demo`,
      resource_name: 'Airlock: demo',
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp'],
    });
  });

  it('serves the root fallback for the gateway itself', async () => {
    const response = await fetch(local(`${PUBLIC_URL}/.well-known/oauth-protected-resource`));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: PUBLIC_URL,
      authorization_servers: [idp.issuer],
    });
  });

  it('describes no connection the gateway does not have', async () => {
    const response = await fetch(local(`${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/nope`));
    expect(response.status).toBe(404);
  });

  it('refuses a valid token without the required scope with 403 insufficient_scope', async () => {
    const idpWithScopes = await startTestIdentityProvider({
      resources: (resource) => ({ audience: resource, scopes: ['mcp', 'mcp:read'] }),
    });
    const scoped = await startGatewayUnderTest(
      oidcGatewayConfig(idpWithScopes, { requiredScopes: ['mcp'] }),
      new CapturedLogs(),
    );
    try {
      const narrow = await idpWithScopes.issueAccessToken({
        user: 'alice',
        resource: `${PUBLIC_URL}/mcp/demo`,
        scope: 'mcp:read',
      });
      const refused = await scoped.post('demo', narrow);
      expect(refused.status).toBe(403);
      const challenge = parseChallenge(refused.headers.get('www-authenticate'));
      expect(challenge.params).toMatchObject({ error: 'insufficient_scope', scope: 'mcp' });
      const body = (await refused.json()) as { error: { message: string; data: Record<string, unknown> } };
      expect(body.error.data).toMatchObject({ airlockCode: 'insufficient_scope', requiredScopes: ['mcp'] });
      expect(body.error.message).toMatch(/lacks the scope\(s\) mcp/);

      const full = await idpWithScopes.issueAccessToken({
        user: 'alice',
        resource: `${PUBLIC_URL}/mcp/demo`,
        scope: 'mcp mcp:read',
      });
      expect((await scoped.post('demo', full)).status).toBe(503);
    } finally {
      await scoped.close();
      await idpWithScopes.close();
    }
  });
});
