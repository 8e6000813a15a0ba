import { startConformanceHttp, type RunningServer } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { LEGACY_VERSION, MCP_POST_HEADERS, mcpPost, parseSse } from './support/mcp-http.js';

/**
 * SSE resumability at the gateway (2025-11-25, SEP-1699), with raw HTTP so every event id, the
 * priming event and the `retry` field are visible: the gateway's streams are resumable whatever
 * the server behind it does, and the server's own polling (closing a stream mid-call) reaches the
 * client the same way as direct.
 */
let upstream: RunningServer;
let airlock: AirlockHarness;
let url: string;

interface SseEvent {
  id?: string;
  retry?: number;
  data: string;
}

function parseEvents(text: string): SseEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim().length > 0 && !block.startsWith(':'))
    .map((block) => {
      const event: SseEvent = { data: '' };
      for (const line of block.split(/\r?\n/)) {
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') event.id = value;
        if (field === 'retry') event.retry = Number(value);
        if (field === 'data') event.data += value;
      }
      return event;
    });
}

async function startSession(): Promise<Record<string, string>> {
  const init = await mcpPost(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const sessionId = init.headers.get('mcp-session-id') as string;
  const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION };
  await mcpPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers });
  return headers;
}

function callTool(id: number, name: string, args: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

beforeAll(async () => {
  upstream = await startConformanceHttp();
  airlock = await startAirlock({
    connections: { fixture: { transport: 'http', url: upstream.url, eras: ['legacy'] } },
  });
  url = airlock.mcpUrl('fixture');
});

afterAll(async () => {
  await airlock?.close();
  await upstream?.close();
});

describe('SSE resumability at the gateway', () => {
  it('relays the server closing a call stream to be polled: priming event, retry, then resume with Last-Event-ID', async () => {
    const headers = await startSession();
    const post = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, ...headers },
      body: callTool(1, 'test_reconnection'),
    });
    expect(post.headers.get('content-type')).toContain('text/event-stream');
    const events = parseEvents(await post.text());
    // The stream ended without the answer: the server closed its own stream mid-call.
    expect(events[0]?.id, 'priming event first').toBeDefined();
    expect(events[0]?.data).toBe('');
    expect(events.some((e) => e.retry !== undefined)).toBe(true);
    expect(events.some((e) => e.data.includes('"id":1'))).toBe(false);

    const lastEventId = events.filter((e) => e.id !== undefined).at(-1)?.id as string;
    const resumed = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers, 'last-event-id': lastEventId },
    });
    expect(resumed.status).toBe(200);
    const answer = parseSse(await resumed.text());
    expect(answer.at(-1)).toMatchObject({
      id: 1,
      result: { content: [{ type: 'text', text: 'Reconnection test completed successfully.' }] },
    });
  });

  it('keeps what a client missed after losing its stream, and replays it after the event id it last saw', async () => {
    const headers = await startSession();
    const controller = new AbortController();
    const post = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, ...headers },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p' } },
      }),
      signal: controller.signal,
    });
    // Read up to the priming event only, then drop the connection, as a network failure would.
    const reader = (post.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const primingId = parseEvents(first)[0]?.id as string;
    expect(primingId).toMatch(/_0$/);
    controller.abort();

    // The call goes on; its progress and answer are kept for the resume.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const resumed = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers, 'last-event-id': primingId },
    });
    const events = parseEvents(await resumed.text());
    const messages = events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(messages.filter((m) => m['method'] === 'notifications/progress')).toHaveLength(3);
    expect(messages.at(-1)).toMatchObject({ id: 2, result: { content: [{ text: 'p' }] } });
    // Every replayed event carries its id, in order, after the one the client named.
    const seqs = events.map((e) => Number(e.id?.split('_')[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[0]).toBe(1);
  });

  it('refuses a Last-Event-ID that is not one of the session’s, saying what to do', async () => {
    const headers = await startSession();
    const answer = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers, 'last-event-id': 'zz_42' },
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toContain('Cannot resume from Last-Event-ID "zz_42"');
  });
});
