import type { SessionOpenRequest } from '@airlock/core';
import {
  startKitchenSinkHttp,
  startTestIdentityProvider,
  testkitBins,
  type RunningServer,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import {
  expectRpcError,
  initializeRequest,
  LEGACY_VERSION,
  mcpPost,
  resultOf,
  textOf,
  toolCall,
  type McpAnswer,
} from './support/mcp-http.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';

/**
 * Access rules end to end: a real identity provider (oidc-provider) issuing real tokens, a real
 * gateway and agent over the gRPC tunnel, and the kitchen-sink MCP server over HTTP (behind a
 * recording proxy, to see what reaches it) and over stdio.
 */

/** The URL clients use; tokens are issued for `<PUBLIC_URL>/mcp/<connection>`. Requests go to the real port. */
const PUBLIC_URL = 'https://airlock.access.test';
const METADATA_URL = `${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp/kitchen`;

const RULES = [
  // SREs: every connection, everything on it.
  { groups: ['sre'], connections: ['*'] },
  // Contractors: the HTTP kitchen only, two tools, one prompt, the items (not the readme).
  {
    groups: ['contractors'],
    connections: ['kitchen'],
    tools: { allow: ['echo', 'add', 'slow'] },
    prompts: { allow: ['greet'] },
    resources: { allow: ['kitchen://items/*'] },
  },
  // Everyone: never `crash` or `env` on any kitchen, whatever else allows them (deny wins). Every
  // allow is empty, so this rule gives nobody a connection: it only takes away.
  {
    groups: ['*'],
    connections: ['kitchen*'],
    tools: { allow: [], deny: ['crash', 'env'] },
    prompts: { allow: [] },
    resources: { allow: [] },
  },
  // Auditors: the HTTP kitchen's echo.
  { groups: ['auditors'], connections: ['kitchen'], tools: { allow: ['echo'] } },
];

let idp: TestIdentityProvider;
let kitchen: RunningServer;
let proxy: RecordingProxy;
let airlock: AirlockHarness;
/** What the gateway asked the agent to open, as the tunnel was handed it. */
const opened: SessionOpenRequest[] = [];
/** Every token a test presented: none may reach the upstream, the agent or a log. */
const presented: string[] = [];

const urlOf = (connection: string) => `http://127.0.0.1:${airlock.gateway.http.port}/mcp/${connection}`;

async function tokenFor(user: string, connection = 'kitchen', ttlSeconds?: number): Promise<string> {
  const token = await idp.issueAccessToken({
    user,
    resource: `${PUBLIC_URL}/mcp/${connection}`,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
  presented.push(token);
  return token;
}

function send(
  connection: string,
  token: string,
  body: unknown,
  sessionId?: string,
  method?: 'POST' | 'GET' | 'DELETE',
): Promise<McpAnswer> {
  return mcpPost(urlOf(connection), body, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(sessionId === undefined ? {} : { 'mcp-protocol-version': LEGACY_VERSION }),
      ...(method === 'GET' ? { accept: 'text/event-stream' } : {}),
    },
    ...(sessionId === undefined ? {} : { sessionId }),
    ...(method === undefined ? {} : { method }),
  });
}

/** initialize + notifications/initialized with this token; returns the gateway's session id. */
async function openSession(connection: string, token: string): Promise<string> {
  const init = await send(connection, token, initializeRequest(1));
  resultOf(init);
  const sessionId = init.headers.get('mcp-session-id');
  expect(sessionId).toBeTruthy();
  const initialized = await send(
    connection,
    token,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    sessionId as string,
  );
  expect(initialized.status).toBe(202);
  return sessionId as string;
}

function list(method: string, id = 2): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method, params: {} };
}

function namesOf(answer: McpAnswer, field: string, key = 'name'): string[] {
  return (resultOf(answer)[field] as Record<string, string>[]).map((item) => item[key] as string).sort();
}

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  proxy = await startRecordingProxy(kitchen.url);
  airlock = await startAirlock({
    connections: {
      kitchen: { transport: 'http', url: proxy.url },
      'kitchen-stdio': {
        transport: 'stdio',
        command: process.execPath,
        args: [testkitBins.kitchenSinkStdio],
        aws: { inject: false },
        killGraceMs: 500,
      },
    },
    gateway: {
      publicUrl: PUBLIC_URL,
      // No skew: the expiry test waits for a 2-second token to expire, not for 62 seconds.
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }], clockSkewSeconds: 0 },
      access: { rules: RULES },
    },
  });
  const tunnel = airlock.gateway.tunnel;
  const openSessionOnAgent = tunnel.openSession.bind(tunnel);
  tunnel.openSession = (request) => {
    opened.push(request);
    return openSessionOnAgent(request);
  };
});

afterAll(async () => {
  await airlock?.close();
  await proxy?.close();
  await kitchen?.close();
  await idp?.close();
});

describe('access rules through gateway and agent', () => {
  it('shows alice (sre) every tool, prompt and resource, and lets her call echo', async () => {
    const token = await tokenFor('alice');
    const session = await openSession('kitchen', token);
    const tools = namesOf(await send('kitchen', token, list('tools/list'), session), 'tools');
    // Everything the server has, except what rule #3 denies everyone.
    expect(tools).toEqual(expect.arrayContaining(['echo', 'add', 'slow', 'sample', 'big', 'progress']));
    expect(tools).not.toContain('crash');
    expect(tools).not.toContain('env');
    expect(namesOf(await send('kitchen', token, list('prompts/list'), session), 'prompts')).toEqual([
      'greet',
    ]);
    expect(
      namesOf(await send('kitchen', token, list('resources/list'), session), 'resources', 'uri'),
    ).toEqual(['kitchen://items/1', 'kitchen://items/2', 'kitchen://items/3', 'kitchen://readme']);
    const echo = await send('kitchen', token, toolCall(3, 'echo', { text: 'hello alice' }), session);
    expect(textOf(resultOf(echo))).toBe('hello alice');
  });

  it('shows carol (contractors) only her subset, and refuses what she cannot see, naming the rule', async () => {
    const token = await tokenFor('carol');
    const session = await openSession('kitchen', token);
    expect(namesOf(await send('kitchen', token, list('tools/list'), session), 'tools')).toEqual([
      'add',
      'echo',
      'slow',
    ]);
    expect(namesOf(await send('kitchen', token, list('prompts/list'), session), 'prompts')).toEqual([
      'greet',
    ]);
    expect(
      namesOf(await send('kitchen', token, list('resources/list'), session), 'resources', 'uri'),
    ).toEqual(['kitchen://items/1', 'kitchen://items/2', 'kitchen://items/3']);
    expect(
      namesOf(
        await send('kitchen', token, list('resources/templates/list'), session),
        'resourceTemplates',
        'uriTemplate',
      ),
    ).toEqual(['kitchen://items/{id}']);

    const echo = await send('kitchen', token, toolCall(3, 'echo', { text: 'hello carol' }), session);
    expect(textOf(resultOf(echo))).toBe('hello carol');

    const before = proxy.requests.filter((r) => r.rpcMethod === 'tools/call').length;
    const hidden = await send('kitchen', token, toolCall(4, 'sample', { prompt: 'x' }), session);
    // In-band: the session goes on, the call gets a JSON-RPC error saying why.
    const error = expectRpcError(
      hidden,
      200,
      -32006,
      /^tool "sample" on connection "kitchen" is not allowed for carol: no access rule allows it \(rules #2, #3 apply\)/,
    );
    expect(error.data).toMatchObject({ airlockCode: 'access_denied', kind: 'tool', name: 'sample' });
    expect((hidden.messages.at(-1) as { id: unknown }).id).toBe(4);

    const readme = await send(
      'kitchen',
      token,
      { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'kitchen://readme' } },
      session,
    );
    expectRpcError(
      readme,
      200,
      -32006,
      /resource "kitchen:\/\/readme" on connection "kitchen" is not allowed/,
    );
    const item = await send(
      'kitchen',
      token,
      { jsonrpc: '2.0', id: 6, method: 'resources/read', params: { uri: 'kitchen://items/2' } },
      session,
    );
    expect(resultOf(item)).toHaveProperty('contents');
    // Refused calls never reached the server.
    expect(proxy.requests.filter((r) => r.rpcMethod === 'tools/call').length).toBe(before);
  });

  it('lets deny win over allow: even alice may not call crash, and the error names the denying rule', async () => {
    const token = await tokenFor('alice', 'kitchen-stdio');
    const session = await openSession('kitchen-stdio', token);
    const crash = await send('kitchen-stdio', token, toolCall(2, 'crash', {}), session);
    expectRpcError(
      crash,
      200,
      -32006,
      /^tool "crash" on connection "kitchen-stdio" is denied for alice by access rule #3 \(deny: crash\)\.$/,
    );
    // The session survived the refusal (the server did not crash): the next call works.
    const echo = await send('kitchen-stdio', token, toolCall(3, 'echo', { text: 'still here' }), session);
    expect(textOf(resultOf(echo))).toBe('still here');
  });

  it('refuses a person without the connection at initialize with 403, before any upstream session', async () => {
    const openedBefore = opened.length;
    const token = await tokenFor('carol', 'kitchen-stdio');
    const init = await send('kitchen-stdio', token, initializeRequest(1));
    const error = expectRpcError(
      init,
      403,
      -32006,
      /^Access to connection "kitchen-stdio" is denied for carol: no access rule gives your groups \(groups: contractors\) this connection/,
    );
    expect(error.data).toMatchObject({ airlockCode: 'access_denied', connection: 'kitchen-stdio' });
    expect(init.headers.get('mcp-session-id')).toBeNull();
    // dana's token carries no groups: only rule #3 ("*") applies, and a deny-only rule lets nobody in.
    const dana = await tokenFor('dana');
    expectRpcError(
      await send('kitchen', dana, initializeRequest(1)),
      403,
      -32006,
      /denied for dana: no access rule gives your groups \(no groups in your token\)/,
    );
    const bob = await tokenFor('bob', 'kitchen-stdio');
    expectRpcError(await send('kitchen-stdio', bob, initializeRequest(1)), 403, -32006, /denied for bob/);
    // The refused people caused no session on the agent (so no upstream session, no server spawned).
    expect(opened.slice(openedBefore)).toEqual([]);
  });

  it("answers bob reusing alice's session id exactly as for an unknown session", async () => {
    const alice = await tokenFor('alice');
    const session = await openSession('kitchen', alice);
    const bob = await tokenFor('bob');
    const stolen = await send('kitchen', bob, toolCall(2, 'echo', { text: 'x' }), session);
    const unknown = await send('kitchen', bob, toolCall(2, 'echo', { text: 'x' }), 'no-such-session-id');
    expect(stolen.status).toBe(404);
    const stolenError = expectRpcError(stolen, 404, -32001);
    const unknownError = expectRpcError(unknown, 404, -32001);
    expect(stolenError.message.replace(session, '<id>')).toBe(
      unknownError.message.replace('no-such-session-id', '<id>'),
    );
    expect(stolenError.data).toEqual(unknownError.data);
    expect([...stolen.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    // The GET stream and DELETE are refused alike, and the session is untouched for alice.
    expect((await send('kitchen', bob, undefined, session, 'GET')).status).toBe(404);
    expect((await send('kitchen', bob, undefined, session, 'DELETE')).status).toBe(404);
    const echo = await send('kitchen', alice, toolCall(3, 'echo', { text: 'mine' }), session);
    expect(textOf(resultOf(echo))).toBe('mine');
  });

  it('after a token expires mid-session: 401 with the metadata URL, then a fresh token continues the same session', async () => {
    const shortLived = await tokenFor('alice', 'kitchen', 2);
    const session = await openSession('kitchen', shortLived);
    expect(
      textOf(resultOf(await send('kitchen', shortLived, toolCall(2, 'echo', { text: 'a' }), session))),
    ).toBe('a');
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const expired = await send('kitchen', shortLived, toolCall(3, 'echo', { text: 'b' }), session);
    expect(expired.status).toBe(401);
    const challenge = expired.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
    expect(challenge).toContain('error="invalid_token"');

    const fresh = await tokenFor('alice');
    const resumed = await send('kitchen', fresh, toolCall(4, 'echo', { text: 'c' }), session);
    expect(textOf(resultOf(resumed))).toBe('c');
    // The same upstream session: the agent reused it rather than initializing again.
    const upstreamSessions = new Set(
      proxy.requests
        .filter(
          (r) =>
            r.rpcMethod === 'tools/call' &&
            ['a', 'c'].includes(
              String((r.body?.['params'] as { arguments?: { text?: string } } | undefined)?.arguments?.text),
            ),
        )
        .map((r) => r.sessionId),
    );
    expect(upstreamSessions.size).toBe(1);
  }, 20_000);

  it('never lets the client token reach the upstream, the agent or a log; the agent gets the caller', async () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    const carried = proxy.requests.filter((r) => 'authorization' in r.headers);
    expect(carried.map((r) => `${r.httpMethod} ${r.rpcMethod ?? ''}`)).toEqual([]);
    // Every request (initialize, calls, lists, the GET stream) was seen, with its headers.
    expect(
      proxy.requests.every((r) => r.headers['content-type'] !== undefined || r.httpMethod !== 'POST'),
    ).toBe(true);
    const upstreamText = JSON.stringify(proxy.requests.map((r) => r.body));
    for (const token of presented) expect(upstreamText).not.toContain(token);

    expect(opened.length).toBeGreaterThan(0);
    const alice = opened.find((r) => r.caller.subject === 'alice');
    expect(alice?.caller).toMatchObject({ subject: 'alice', email: 'alice@example.com', groups: ['sre'] });
    for (const request of opened) {
      expect(Object.keys(request.forwardHeaders).map((h) => h.toLowerCase())).not.toContain('authorization');
      const wire = JSON.stringify(request);
      for (const token of presented) expect(wire).not.toContain(token);
    }
    const logs = airlock.logs();
    for (const token of presented) expect(logs).not.toContain(token);
    // The per-call line (written without pino's redaction: fixed fields) is there, in the
    // session's context.
    const calls = logs
      .split('\n')
      .filter((line) => line.includes('"mcp call"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(calls.some((c) => c['method'] === 'tools/call' && c['outcome'] === 'ok')).toBe(true);
    for (const call of calls) {
      expect(typeof call['ms']).toBe('number');
      expect(call['sessionId']).toEqual(expect.any(String));
    }
  });
});
