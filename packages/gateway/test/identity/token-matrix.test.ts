import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturedLogs,
  errorBody,
  oidcGatewayConfig,
  parseChallenge,
  PUBLIC_URL,
  resourceOf,
  startGatewayUnderTest,
  type GatewayUnderTest,
} from './helpers/identity-harness.js';

const METADATA_DEMO = `${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/demo`;

let idp: TestIdentityProvider;
let gateway: GatewayUnderTest;
const logs = new CapturedLogs();
/** Every token a test presented; none may appear in any log line. */
const presented: string[] = [];

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  gateway = await startGatewayUnderTest(oidcGatewayConfig(idp), logs);
});

afterAll(async () => {
  await gateway?.close();
  await idp?.close();
});

async function send(connection: string, token: string, query?: string): Promise<Response> {
  presented.push(token);
  return gateway.post(connection, token, query === undefined ? {} : { query });
}

/** 503 agent_unavailable: the request got past authentication to the (absent) agent. */
async function expectAccepted(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect((await errorBody(response)).data['airlockCode']).toBe('agent_unavailable');
}

async function expectInvalidToken(response: Response, messagePart: RegExp): Promise<void> {
  expect(response.status).toBe(401);
  const challenge = parseChallenge(response.headers.get('www-authenticate'));
  expect(challenge.scheme).toBe('Bearer');
  expect(challenge.params['resource_metadata']).toBe(METADATA_DEMO);
  expect(challenge.params['error']).toBe('invalid_token');
  const error = await errorBody(response);
  expect(error.data['airlockCode']).toBe('unauthenticated');
  expect(error.data).not.toHaveProperty('wwwAuthenticate');
  expect(error.message).toMatch(messagePart);
}

describe('the gateway as an OAuth resource server', () => {
  it('answers a request without a token with 401 and the resource metadata URL, no error code', async () => {
    const response = await gateway.post('demo');
    expect(response.status).toBe(401);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge.params).toEqual({ resource_metadata: METADATA_DEMO });
    expect((await errorBody(response)).message).toMatch(/needs an access token.*airlock login/);
  });

  it('refuses another authorization scheme like a missing token', async () => {
    const response = await gateway.post('demo', undefined, { authorization: 'Basic YWxpY2U6c2VjcmV0' });
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).params['error']).toBeUndefined();
  });

  it('accepts a real access token for this connection and hands the agent the caller, never the token', async () => {
    const token = await idp.issueAccessToken({ user: 'alice', resource: resourceOf('demo') });
    const opened = gateway.directory.opened.length;
    await expectAccepted(await send('demo', token));
    const request = gateway.directory.opened[opened];
    expect(request?.caller).toEqual({
      subject: 'alice',
      email: 'alice@example.com',
      groups: ['sre'],
      tokenId: decodeJwt(token).jti,
      anonymous: false,
    });
    expect(JSON.stringify(request)).not.toContain(token);
    // The second request is served from the verification cache and still accepted.
    await expectAccepted(await send('demo', token));
  });

  it('refuses alg "none"', async () => {
    const token = await idp.forgeToken({ kind: 'alg-none', audience: resourceOf('demo') });
    await expectInvalidToken(await send('demo', token), /algorithm this gateway does not accept/);
  });

  it('refuses HS256 signed with the RSA public key (key confusion)', async () => {
    const token = await idp.forgeToken({ kind: 'hs256-with-public-key', audience: resourceOf('demo') });
    await expectInvalidToken(await send('demo', token), /algorithm this gateway does not accept/);
  });

  it('refuses a token of an issuer it does not trust, even when signed with a trusted key', async () => {
    const token = await idp.forgeToken({
      kind: 'provider-key',
      issuer: 'https://evil.example',
      audience: resourceOf('demo'),
    });
    await expectInvalidToken(await send('demo', token), /does not trust/);
  });

  it('refuses a token that names no subject, which would otherwise share sessions with others like it', async () => {
    const token = await idp.forgeToken({
      kind: 'provider-key',
      audience: resourceOf('demo'),
      omit: ['sub'],
    });
    await expectInvalidToken(await send('demo', token), /names no subject/);
  });

  it('refuses a token for another audience', async () => {
    const token = await idp.forgeToken({ kind: 'provider-key', audience: 'https://api.example.test/' });
    await expectInvalidToken(
      await send('demo', token),
      /not meant for this resource.*resource=https:\/\/airlock\.example\.test\/mcp\/demo/,
    );
  });

  it('refuses a real token of another connection, which that connection accepts', async () => {
    const token = await idp.issueAccessToken({ user: 'bob', resource: resourceOf('other') });
    await expectInvalidToken(await send('demo', token), /not meant for this resource/);
    await expectAccepted(await send('other', token));
  });

  it('refuses an expired token (beyond the clock skew)', async () => {
    const token = await idp.forgeToken({
      kind: 'provider-key',
      audience: resourceOf('demo'),
      expiresIn: -120,
    });
    await expectInvalidToken(await send('demo', token), /expired; log in again/);
  });

  it('tolerates expiry within the clock skew', async () => {
    const token = await idp.forgeToken({
      kind: 'provider-key',
      audience: resourceOf('demo'),
      expiresIn: -10,
    });
    await expectAccepted(await send('demo', token));
  });

  it('refuses a token without exp', async () => {
    const token = await idp.forgeToken({ kind: 'provider-key', audience: resourceOf('demo'), omit: ['exp'] });
    await expectInvalidToken(await send('demo', token), /exp/);
  });

  it('refuses a token that is not valid yet', async () => {
    const token = await idp.forgeToken({
      kind: 'provider-key',
      audience: resourceOf('demo'),
      notBefore: 600,
    });
    await expectInvalidToken(await send('demo', token), /not valid yet/);
  });

  it('refuses a token issued in the future', async () => {
    const future = Math.floor(Date.now() / 1000) + 600;
    const token = await idp.forgeToken({
      kind: 'provider-key',
      audience: resourceOf('demo'),
      claims: { iat: future },
    });
    await expectInvalidToken(await send('demo', token), /issued in the future/);
  });

  it('refuses a token signed by a key the provider does not publish', async () => {
    const token = await idp.forgeToken({ kind: 'unknown-kid', audience: resourceOf('demo') });
    await expectInvalidToken(await send('demo', token), /unknown kid/);
  });

  it('refuses a tampered token (valid header and key, altered payload)', async () => {
    const token = await idp.issueAccessToken({ user: 'carol', resource: resourceOf('demo') });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, groups: ['sre'] })).toString('base64url')}.${signature}`;
    await expectInvalidToken(await send('demo', tampered), /signature does not verify/);
  });

  it('accepts a token without a groups claim, as a caller in no groups', async () => {
    const token = await idp.issueAccessToken({ user: 'dana', resource: resourceOf('demo') });
    expect(decodeJwt(token)).not.toHaveProperty('groups');
    const opened = gateway.directory.opened.length;
    await expectAccepted(await send('demo', token));
    expect(gateway.directory.opened[opened]?.caller).toMatchObject({ subject: 'dana', groups: [] });
    expect(logs.text()).toMatch(/no groups claim/);
  });

  it('refuses a token in the query string, saying tokens in URLs are refused', async () => {
    const token = await idp.issueAccessToken({ user: 'alice', resource: resourceOf('demo') });
    const response = await send('demo', token, `?access_token=${token}`);
    expect(response.status).toBe(400);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge.params['error']).toBe('invalid_request');
    expect(challenge.params['resource_metadata']).toBe(METADATA_DEMO);
    const error = await errorBody(response);
    expect(error.data['airlockCode']).toBe('token_in_query');
    expect(error.message).toMatch(/tokens in URLs are refused/);
    // Any other query on an MCP endpoint is refused too, with the same advice.
    const other = await gateway.post('demo', token, { query: '?session=1' });
    expect(other.status).toBe(400);
    expect((await errorBody(other)).message).toMatch(/tokens in URLs are refused/);
  });

  it('refuses a malformed Authorization header as an invalid token', async () => {
    const response = await gateway.post('demo', undefined, { authorization: 'Bearer not a token' });
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).params['error']).toBe('invalid_token');
  });

  it('never writes a presented token into the log', () => {
    expect(presented.length).toBeGreaterThan(10);
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const token of presented) {
      expect(text).not.toContain(token);
      // Nor its signature (the part that makes it usable), in case a log line held a fragment.
      const signature = token.split('.')[2];
      if (signature) expect(text).not.toContain(signature);
    }
  });
});
