import { connectV1Client } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import {
  expectRpcError,
  initializeRequest,
  LEGACY_VERSION,
  mcpPost,
  MODERN_VERSION,
  modernToolCall,
  openRawSession,
  resultOf,
  textOf,
  toolCall,
} from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * What a client that gets it wrong hears from the real gateway (+ agent + upstreams): the HTTP
 * status, the JSON-RPC code, and a message that names the problem and the fix. Malformed traffic
 * goes out with raw fetch, since no SDK client would send it.
 */
const MAX_BODY_BYTES = 16 * 1024;
const ALLOWED_ORIGIN = 'https://console.airlock.example';

let upstreams: Upstreams;
let airlock: AirlockHarness;
let kitchen: string;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({
    connections: upstreams.connections,
    gateway: { limits: { maxBodyBytes: MAX_BODY_BYTES }, allowedOrigins: [ALLOWED_ORIGIN] },
  });
  kitchen = airlock.mcpUrl('kitchen-http');
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

describe('the body and its headers', () => {
  it('refuses malformed JSON with 400 / -32700', async () => {
    const answer = await mcpPost(kitchen, '{"jsonrpc":"2.0","id":1,"method":"initialize",');
    expectRpcError(answer, 400, -32700, /not valid JSON/);
  });

  it('refuses a JSON-RPC batch with 400 / -32600, saying to send one message per POST', async () => {
    const answer = await mcpPost(kitchen, [initializeRequest(1), initializeRequest(2)]);
    expectRpcError(answer, 400, -32600, /batch/i, /one message per POST/);
  });

  it('refuses a Content-Type other than application/json with 415', async () => {
    const answer = await mcpPost(kitchen, JSON.stringify(initializeRequest()), {
      headers: { 'content-type': 'text/plain' },
    });
    expectRpcError(answer, 415, -32600, /application\/json/, /text\/plain/);
  });

  it('refuses an Accept header without text/event-stream with 406', async () => {
    const answer = await mcpPost(kitchen, initializeRequest(), { headers: { accept: 'application/json' } });
    expectRpcError(answer, 406, -32600, /text\/event-stream/, /Accept/);
  });

  it('answers an unknown connection with 404 naming it', async () => {
    const answer = await mcpPost(airlock.mcpUrl('no-such-connection'), initializeRequest());
    expectRpcError(answer, 404, -32004, /"no-such-connection"/, /\/mcp\/<connection>/);
  });

  it('refuses a body over gateway.limits.maxBodyBytes with 413, and keeps serving', async () => {
    const sessionId = await openRawSession(kitchen);
    const oversized = toolCall(2, 'echo', { text: 'x'.repeat(MAX_BODY_BYTES) });
    const answer = await mcpPost(kitchen, oversized, { sessionId });
    expectRpcError(
      answer,
      413,
      -32600,
      new RegExp(`${MAX_BODY_BYTES} bytes`),
      /gateway\.limits\.maxBodyBytes/,
    );

    // Streamed without Content-Length, so the limit is enforced while reading, not from the header.
    const chunked = await fetch(kitchen, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: new Blob([JSON.stringify(oversized)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    await chunked.body?.cancel();

    // The same session, and a fresh one, still work.
    const small = await mcpPost(kitchen, toolCall(3, 'echo', { text: 'still here' }), { sessionId });
    expect(textOf(resultOf(small))).toBe('still here');
    const client = await connectV1Client(kitchen);
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'new session' } }))).toBe(
        'new session',
      );
    } finally {
      await client.close();
    }
  });
});

describe('2026-07-28 headers must mirror the body (400 / -32020)', () => {
  const modern = () => airlock.mcpUrl('modern');

  it('passes a request whose headers match (the control case)', async () => {
    const { body, headers } = modernToolCall(1, 'echo', { text: 'mirrored' });
    const answer = await mcpPost(modern(), body, { headers });
    expect(answer.status).toBe(200);
    expect(textOf(resultOf(answer))).toContain('mirrored');
  });

  it('refuses Mcp-Method disagreeing with the body', async () => {
    const { body, headers } = modernToolCall(2, 'echo', { text: 'x' });
    const answer = await mcpPost(modern(), body, { headers: { ...headers, 'mcp-method': 'tools/list' } });
    expectRpcError(answer, 400, -32020, /Mcp-Method is "tools\/list"/, /"tools\/call"/);
  });

  it('refuses Mcp-Name disagreeing with the body', async () => {
    const { body, headers } = modernToolCall(3, 'echo', { text: 'x' });
    const answer = await mcpPost(modern(), body, { headers: { ...headers, 'mcp-name': 'add' } });
    expectRpcError(answer, 400, -32020, /Mcp-Name names "add"/, /params\.name="echo"/);
  });

  it('refuses MCP-Protocol-Version disagreeing with _meta', async () => {
    const { body, headers } = modernToolCall(4, 'echo', { text: 'x' });
    const answer = await mcpPost(modern(), body, {
      headers: { ...headers, 'mcp-protocol-version': LEGACY_VERSION },
    });
    expectRpcError(
      answer,
      400,
      -32020,
      new RegExp(`MCP-Protocol-Version is ${LEGACY_VERSION}`),
      new RegExp(MODERN_VERSION),
    );
  });
});

describe('Origin (DNS-rebinding defence)', () => {
  it('refuses a foreign Origin with 403, saying how to allow it', async () => {
    const answer = await mcpPost(kitchen, initializeRequest(), {
      headers: { origin: 'https://evil.example' },
    });
    expectRpcError(answer, 403, -32600, /https:\/\/evil\.example/, /gateway\.allowedOrigins/);
  });

  it('lets a configured origin through', async () => {
    const answer = await mcpPost(kitchen, initializeRequest(), { headers: { origin: ALLOWED_ORIGIN } });
    expect(answer.status).toBe(200);
    expect(resultOf(answer)['protocolVersion']).toBe(LEGACY_VERSION);
    const sessionId = answer.headers.get('mcp-session-id') as string;
    expect((await mcpPost(kitchen, null, { method: 'DELETE', sessionId })).status).toBe(200);
  });
});

describe('sessions', () => {
  it('answers an unknown session id with 404 / -32001', async () => {
    const answer = await mcpPost(kitchen, toolCall(1, 'echo', { text: 'x' }), { sessionId: 'not-a-session' });
    expectRpcError(answer, 404, -32001, /Unknown session not-a-session/, /send initialize/);
  });

  it('answers a session ended with DELETE with 404 saying it ended', async () => {
    const sessionId = await openRawSession(kitchen);
    const ended = await mcpPost(kitchen, null, { method: 'DELETE', sessionId });
    expect(ended.status).toBe(200);
    const answer = await mcpPost(kitchen, toolCall(2, 'echo', { text: 'x' }), { sessionId });
    expectRpcError(answer, 404, -32001, /has ended/, /DELETE/, /Start a new session/);
  });

  it('refuses a non-initialize request without Mcp-Session-Id with 400', async () => {
    const answer = await mcpPost(kitchen, toolCall(1, 'echo', { text: 'x' }));
    expectRpcError(answer, 400, -32600, /Mcp-Session-Id/, /initialize/);
  });
});

describe('protocol era mismatch (400, both versions named)', () => {
  it('refuses a 2025-era initialize to the modern-only connection', async () => {
    const answer = await mcpPost(airlock.mcpUrl('modern'), initializeRequest(1, LEGACY_VERSION));
    const error = expectRpcError(
      answer,
      400,
      -32022,
      /"modern"/,
      new RegExp(LEGACY_VERSION),
      new RegExp(MODERN_VERSION),
    );
    expect(error.data).toMatchObject({ requested: LEGACY_VERSION, supported: [MODERN_VERSION] });
  });

  it('refuses a 2026-07-28 request to a legacy-only connection', async () => {
    for (const connection of ['kitchen-http', 'kitchen-stdio']) {
      const { body, headers } = modernToolCall(1, 'echo', { text: 'x' });
      const answer = await mcpPost(airlock.mcpUrl(connection), body, { headers });
      expectRpcError(
        answer,
        400,
        -32022,
        new RegExp(`"${connection}"`),
        new RegExp(MODERN_VERSION),
        new RegExp(LEGACY_VERSION),
      );
    }
  });
});
