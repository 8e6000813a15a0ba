import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayRefusal } from '../src/relay/gateway-refusal.js';

/** A gateway stand-in that answers every POST with one status and body. */
let server: Server;
let answer: { status: number; body: string } = { status: 500, body: '' };
let url: URL;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp/everything`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What the SDK's transport rejects a send with, given the gateway's answer. */
async function sendFailure(status: number, body: string): Promise<unknown> {
  answer = { status, body };
  const transport = new StreamableHTTPClientTransport(url);
  await transport.start();
  try {
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await transport.close();
  }
}

describe('gatewayRefusal', () => {
  it("recovers the gateway's JSON-RPC error from the SDK transport's failure", async () => {
    const refusal = {
      code: -32015,
      message: 'Your just-in-time access to connection "everything" was revoked by bob.',
      data: { grant: 'g-1' },
    };
    const error = await sendFailure(403, JSON.stringify({ jsonrpc: '2.0', id: null, error: refusal }));
    expect(gatewayRefusal(error)).toEqual(refusal);
  });

  it('is undefined when the answer is no JSON-RPC error (a proxy page, or nothing)', async () => {
    expect(gatewayRefusal(await sendFailure(502, '<html>Bad gateway</html>'))).toBeUndefined();
    expect(gatewayRefusal(await sendFailure(500, JSON.stringify({ error: 'oops' })))).toBeUndefined();
    expect(gatewayRefusal(new Error('fetch failed'))).toBeUndefined();
  });
});
