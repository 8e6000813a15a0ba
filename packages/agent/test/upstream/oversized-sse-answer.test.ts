import '../helpers/aws-test-env.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpConnector } from '../../src/index.js';
import { CollectingSink } from '../helpers/collecting-sink.js';
import { initialize, openRequest, toolCall } from '../helpers/mcp-messages.js';
import { httpConfig } from '../helpers/mcp-servers.js';

/**
 * An HTTP MCP server answers a tool call with one SSE event over the agent's message limit and
 * then ends the stream. Found by test/bench/fuzz-inputs.mjs: the end of that stream threw inside
 * the SSE reader's 'end' handler, an uncaught exception that would take the whole agent down.
 */
const LIMIT = 1024;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(body) as { id?: number; method?: string };
      if (message.method === 'initialize') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: message.id,
            result: {
              protocolVersion: '2025-11-25',
              capabilities: {},
              serverInfo: { name: 'big', version: '1' },
            },
          }),
        );
        return;
      }
      if (message.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { text: 'x'.repeat(LIMIT * 2) } })}`,
      );
      setTimeout(() => res.end('\n\n'), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('fails the request whose SSE answer is over the message limit, and survives the stream ending', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  const connector = new HttpConnector({
    name: 'big',
    config: httpConfig({ url }),
    logger: pino({ level: 'silent' }),
    maxMessageBytes: LIMIT,
  });
  try {
    const sink = new CollectingSink();
    const session = connector.open(openRequest('big'), sink);
    await session.send(initialize(0));
    await sink.response(0);
    await session.send(toolCall(1, 'big', {}));
    expect((await sink.response(1)).message).toMatchObject({ id: 1, error: { code: -32002 } });
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the stream's end
    expect(uncaught).toEqual([]);
    await session.close();
  } finally {
    process.off('uncaughtException', onUncaught);
    await connector.close();
  }
});
