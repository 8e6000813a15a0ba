import { request as httpRequest, type IncomingMessage } from 'node:http';
import { bigText, connectV1Client } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import {
  LEGACY_VERSION,
  MCP_POST_HEADERS,
  openRawSession,
  parseSse,
  textOf,
  toolCall,
} from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * A 20 MiB tool result crosses the whole path (upstream → agent → chunked gRPC tunnel → gateway →
 * client) intact, and a client that reads it slowly stalls only its own session: HTTP/2 gives each
 * tunnel stream its own flow control, so other sessions on the same agent keep moving.
 */
const BIG = 20 * 1024 * 1024;
const expected = bigText(BIG);

let upstreams: Upstreams;
let airlock: AirlockHarness;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({ connections: upstreams.connections });
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

/** Compared without handing 20 MiB strings to a diffing matcher. */
function expectIntact(text: string): void {
  expect(text.length).toBe(BIG);
  expect(text === expected, 'the 20 MiB result differs from bigText()').toBe(true);
}

/** The result text of a tools/call answer body (JSON or SSE). */
function resultText(contentType: string, body: string): string {
  const messages = contentType.startsWith('text/event-stream')
    ? parseSse(body)
    : [JSON.parse(body) as Record<string, unknown>];
  const last = messages.at(-1) as { result?: unknown; error?: unknown };
  expect(last.error, JSON.stringify(last.error)).toBeUndefined();
  return textOf(last.result);
}

/** POSTs with node:http so the test controls when the response is read. */
function postPaused(url: string, sessionId: string, body: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_VERSION },
    });
    req.once('response', (res) => {
      res.pause();
      resolve(res);
    });
    req.once('error', reject);
    req.end(JSON.stringify(body));
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.resume();
  });
}

for (const connection of ['kitchen-stdio', 'kitchen-http']) {
  describe(`20 MiB through Airlock → ${connection}`, () => {
    it('arrives intact at an SDK client', async () => {
      const client = await connectV1Client(airlock.mcpUrl(connection));
      try {
        expectIntact(textOf(await client.callTool({ name: 'big', arguments: { bytes: BIG } })));
      } finally {
        await client.close();
      }
    });

    it('arrives intact at a slow reader, while another session on the agent stays responsive', async () => {
      const url = airlock.mcpUrl(connection);
      const other = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
      try {
        await other.callTool({ name: 'echo', arguments: { text: 'warm' } });
        const sessionId = await openRawSession(url);
        const slow = await postPaused(url, sessionId, toolCall(7, 'big', { bytes: BIG }));
        expect(slow.statusCode).toBe(200);
        // Let the relay run into the paused reader: every buffer on the way fills and stops.
        await new Promise((r) => setTimeout(r, 300));

        const started = performance.now();
        for (let i = 0; i < 20; i++) {
          expect(textOf(await other.callTool({ name: 'echo', arguments: { text: `ping ${i}` } }))).toBe(
            `ping ${i}`,
          );
        }
        const elapsed = performance.now() - started;
        expect(elapsed, '20 echo calls beside a stalled 20 MiB session').toBeLessThan(2000);

        const body = await readAll(slow);
        expectIntact(resultText(slow.headers['content-type'] ?? '', body));
      } finally {
        await other.close();
      }
    });
  });
}
