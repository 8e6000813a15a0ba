import '../helpers/aws-test-env.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpConnector } from '../../src/index.js';
import { CollectingSink } from '../helpers/collecting-sink.js';
import { httpConfig } from '../helpers/mcp-servers.js';
import {
  modernMeta,
  MODERN_VERSION,
  openRequest,
  request,
  resultText,
  toolCall,
} from '../helpers/mcp-messages.js';
import { startModernServer, type ModernServer } from '../helpers/modern-server.js';

const logger = pino({ level: 'silent' });
let server: ModernServer;
let connector: HttpConnector;

function exchange(sink: CollectingSink, forwardHeaders: Record<string, string> = {}) {
  return connector.open(
    openRequest('modern', {
      kind: 'exchange',
      era: 'modern',
      protocolVersion: MODERN_VERSION,
      forwardHeaders,
    }),
    sink,
  );
}

beforeAll(async () => {
  server = await startModernServer();
  connector = new HttpConnector({
    name: 'modern',
    config: httpConfig({ url: server.url, eras: ['modern'] }),
    logger,
  });
});
afterAll(async () => {
  await connector.close();
  await server.close();
});

describe('HTTP connector, modern-era exchanges (v2 SDK server)', () => {
  it('relays server/discover and ends the exchange after the answer', async () => {
    const sink = new CollectingSink();
    await exchange(sink).send(request(1, 'server/discover', { _meta: modernMeta() }));
    expect(await sink.ended).toBeUndefined();
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.message).toMatchObject({
      id: 1,
      result: { supportedVersions: [MODERN_VERSION] },
    });
    // The answer is the exchange's last message: the tunnel may carry its End on it.
    expect(sink.received[0]?.meta).toEqual({ relatedRequest: '1', httpStatus: undefined, last: true });
  });

  it('relays tools/call with the standard headers derived from the body and forwarded Mcp-Param headers', async () => {
    const sink = new CollectingSink();
    await exchange(sink, { 'Mcp-Param-Region': 'eu-west-1' }).send(
      toolCall(2, 'echo', { text: 'hello', region: 'eu-west-1' }, modernMeta()),
    );
    await sink.ended;
    expect(resultText(sink.received[0]!.message)).toBe('echo: hello');
    expect(server.calls.at(-1)).toEqual({ text: 'hello', region: 'eu-west-1' });
  });

  it('relays an SSE answer: progress first, related to the request, then the result', async () => {
    const sink = new CollectingSink();
    await exchange(sink).send(toolCall(3, 'progress', { steps: 2 }, modernMeta({ progressToken: 'p3' })));
    await sink.ended;
    const methods = sink.received.map((r) => ('method' in r.message ? r.message.method : 'response'));
    expect(methods).toEqual(['notifications/progress', 'notifications/progress', 'response']);
    expect(sink.received.every((r) => r.meta.relatedRequest === '3')).toBe(true);
    expect(sink.received.map((r) => r.meta.last === true)).toEqual([false, false, true]);
  });

  it('keeps the upstream HTTP status of a header/body mismatch (400, -32020)', async () => {
    const sink = new CollectingSink();
    await exchange(sink, { 'Mcp-Param-Region': 'us-east-1' }).send(
      toolCall(4, 'echo', { text: 'x', region: 'eu-west-1' }, modernMeta()),
    );
    await sink.ended;
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]?.meta).toEqual({ relatedRequest: '4', httpStatus: 400, last: true });
    expect(sink.received[0]?.message).toMatchObject({ id: 4, error: { code: -32020 } });
  });

  it('aborts the upstream request when the exchange is closed early', async () => {
    const sink = new CollectingSink();
    const session = exchange(sink);
    const before = server.aborted.count;
    await session.send(toolCall(5, 'wait', {}, modernMeta()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await session.close();
    expect(await sink.ended).toBeUndefined();
    await expect.poll(() => server.aborted.count, { timeout: 5000 }).toBe(before + 1);
  });

  it('refuses an era the connection does not serve, naming both', async () => {
    const legacyOnly = new HttpConnector({ name: 'old', config: httpConfig({ url: server.url }), logger });
    const sink = new CollectingSink();
    legacyOnly.open(
      openRequest('old', { kind: 'exchange', era: 'modern', protocolVersion: MODERN_VERSION }),
      sink,
    );
    const failure = await sink.ended;
    expect(failure?.code).toBe('protocol_era_mismatch');
    expect(failure?.message).toMatch(
      /"old" serves MCP 2025-era \(legacy\) sessions only; this client speaks 2026-07-28/,
    );
    await legacyOnly.close();
  });

  it('answers a request with a JSON-RPC error when the server cannot be reached', async () => {
    const unreachable = new HttpConnector({
      name: 'gone',
      config: httpConfig({ url: 'http://127.0.0.1:9/mcp', eras: ['modern'] }),
      logger,
    });
    const sink = new CollectingSink();
    await unreachable
      .open(openRequest('gone', { kind: 'exchange', era: 'modern', protocolVersion: MODERN_VERSION }), sink)
      .send(request(6, 'server/discover', { _meta: modernMeta() }));
    await sink.ended;
    expect(sink.received[0]?.message).toMatchObject({ id: 6, error: { code: -32002 } });
    expect(JSON.stringify(sink.received[0]?.message)).toContain('ECONNREFUSED');
    await unreachable.close();
  });
});
