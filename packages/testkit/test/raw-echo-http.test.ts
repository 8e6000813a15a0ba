import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectV1Client, startServerProcess, testkitBins, type ServerProcess } from '../src/index.js';

// The relay benchmark's fastest upstream must still be a real MCP server: the v1 SDK client
// (which validates every answer against the protocol's schemas) connects, lists and calls it.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess(testkitBins.rawEchoHttp, ['--port', '0']);
});
afterAll(async () => {
  await server.close();
});

describe('raw echo HTTP server', () => {
  it('serves a 2025-era session to the SDK client: list, echo, close', async () => {
    const client = await connectV1Client(server.url, {});
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello raw' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hello raw' }]);
    } finally {
      await client.close();
    }
  });

  it('answers a malformed body with a JSON-RPC parse error', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
  });
});
