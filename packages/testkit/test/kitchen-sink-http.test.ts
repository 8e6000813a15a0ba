import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectV1Client,
  startKitchenSinkHttp,
  startServerProcess,
  testkitBins,
  type RunningServer,
} from '../src/index.js';
import { describeKitchenSinkContract } from './kitchen-sink-contract.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
});

describeKitchenSinkContract('Streamable HTTP', (options) => connectV1Client(server.url, options));

describe('kitchen sink HTTP sessions', () => {
  it('issues a session id, serves the GET stream and ends the session on DELETE', async () => {
    const init = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await init.body?.cancel();
    const headers = { 'mcp-session-id': sessionId!, 'mcp-protocol-version': '2025-11-25' };

    const get = await fetch(server.url, { headers: { ...headers, accept: 'text/event-stream' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toContain('text/event-stream');
    await get.body?.cancel();

    expect((await fetch(server.url, { method: 'DELETE', headers })).status).toBe(200);
    const after = await fetch(server.url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(after.status).toBe(404);
  });

  it('rejects a non-initialize request without a session id', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('kitchen-sink-http bin', () => {
  it('prints its URL as one JSON line and serves MCP until killed', async () => {
    const proc = await startServerProcess(testkitBins.kitchenSinkHttp, ['--port', '0']);
    try {
      expect(proc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = await connectV1Client(proc.url);
      expect(
        (await client.callTool({ name: 'echo', arguments: { text: 'out of process' } })).content,
      ).toEqual([{ type: 'text', text: 'out of process' }]);
      await client.close();
    } finally {
      await proc.close();
    }
    expect((await proc.process.exited).code).toBe(0);
  });
});
