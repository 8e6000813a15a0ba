import '../helpers/aws-test-env.js';
import { isRequest } from '@airlock/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpConnector, type UpstreamSession } from '../../src/index.js';
import { CollectingSink, type Received } from '../helpers/collecting-sink.js';
import { startLegacySdkServer, type LegacySdkServer } from '../helpers/legacy-sdk-server.js';
import { httpConfig, startEverythingHttp, type RunningServer } from '../helpers/mcp-servers.js';
import {
  initialize,
  initialized,
  openRequest,
  request,
  resultText,
  toolCall,
} from '../helpers/mcp-messages.js';

const logger = pino({ level: 'silent' });
const sessions: UpstreamSession[] = [];
const isMethod = (method: string) => (r: Received) => 'method' in r.message && r.message.method === method;

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});

describe('HTTP connector, legacy sessions with server-everything (Streamable HTTP)', () => {
  let everything: RunningServer;
  let connector: HttpConnector;
  let serverLog = '';

  beforeAll(async () => {
    everything = await startEverythingHttp();
    everything.process.stdout?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    connector = new HttpConnector({
      name: 'everything',
      config: httpConfig({ url: everything.url }),
      logger,
    });
  });
  afterAll(async () => {
    await connector.close();
    await everything.stop();
  });

  it('relays the whole session: initialize, GET stream, JSON and SSE answers, client responses, DELETE', async () => {
    const sink = new CollectingSink();
    const session = connector.open(openRequest('everything'), sink);
    sessions.push(session);

    // roots capability: server-everything asks for the roots 350 ms after initialized, on the GET stream.
    await session.send(initialize(0, { roots: { listChanged: true } }));
    // Sent at once: it waits for the session id of the initialize answer.
    await session.send(request(1, 'tools/list'));
    const init = await sink.response(0);
    expect(init.meta.relatedRequest).toBe('0');
    expect(init.message).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
    expect((await sink.response(1)).meta.relatedRequest).toBe('1');
    await session.send(initialized);

    const rootsRequest = await sink.waitFor(isMethod('roots/list'));
    expect(rootsRequest.meta.relatedRequest).toBeUndefined();
    expect(serverLog).toContain('Establishing new SSE stream');
    const rootsId = isRequest(rootsRequest.message) ? rootsRequest.message.id : -1;
    await session.send({ jsonrpc: '2.0', id: rootsId, result: { roots: [] } });
    const rootsLog = await sink.waitFor(
      (r) => isMethod('notifications/message')(r) && JSON.stringify(r.message).includes('Roots updated: 0'),
    );
    expect(rootsLog.meta.relatedRequest).toBeUndefined();

    await session.send(toolCall(2, 'echo', { message: 'over http' }));
    expect(resultText((await sink.response(2)).message)).toBe('Echo: over http');

    await session.send(
      toolCall(3, 'trigger-long-running-operation', { duration: 0.2, steps: 2 }, { progressToken: 3 }),
    );
    await sink.response(3);
    const progress = sink.received.filter(isMethod('notifications/progress'));
    expect(progress).toHaveLength(2);
    expect(progress.every((p) => p.meta.relatedRequest === '3')).toBe(true);
    expect(sink.overlapping).toBe(0);

    await session.close();
    expect(await sink.ended).toBeUndefined();
    await expect.poll(() => serverLog).toContain('Received session termination request');
    await expect(session.send(request(4, 'tools/list'))).rejects.toThrow(/closed/);
  });

  it('passes a JSON-RPC error body through with its HTTP status', async () => {
    const sink = new CollectingSink();
    const session = connector.open(openRequest('everything'), sink);
    sessions.push(session);
    // No initialize first: the SDK transport answers 400 with a JSON-RPC error whose id is null.
    // It is relayed exactly as sent, tied to the POST it answers by relatedRequest.
    await session.send(request(5, 'tools/list'));
    const answer = await sink.waitFor((r) => !('method' in r.message) && r.meta.relatedRequest === '5');
    expect(answer.meta).toEqual({ relatedRequest: '5', httpStatus: 400 });
    expect(answer.message).toMatchObject({
      id: null,
      error: { code: -32000, message: 'Bad Request: Server not initialized' },
    });
  });

  it('answers with a synthesized JSON-RPC error when the error body is not JSON-RPC', async () => {
    const wrongPath = new HttpConnector({
      name: 'misconfigured',
      config: httpConfig({ url: everything.url.replace('/mcp', '/not-mcp') }),
      logger,
    });
    const sink = new CollectingSink();
    const session = wrongPath.open(openRequest('misconfigured'), sink);
    await session.send(initialize(0));
    const answer = await sink.response(0);
    expect(answer.meta).toEqual({ relatedRequest: '0', httpStatus: 404 });
    expect(answer.message).toMatchObject({
      error: {
        code: -32002,
        message: expect.stringMatching(
          /^The MCP server for connection "misconfigured" answered HTTP 404: .*Cannot POST \/not-mcp/,
        ),
      },
    });
    await session.close();
    await wrongPath.close();
  });
});

describe('HTTP connector, legacy sessions with a v1 SDK server', () => {
  let server: LegacySdkServer;
  let connector: HttpConnector;

  beforeAll(async () => {
    server = await startLegacySdkServer();
    connector = new HttpConnector({ name: 'sdk', config: httpConfig({ url: server.url }), logger });
  });
  afterAll(async () => {
    await connector.close();
    await server.close();
  });

  async function started(sink: CollectingSink): Promise<UpstreamSession> {
    const session = connector.open(openRequest('sdk'), sink);
    sessions.push(session);
    await session.send(initialize(0));
    await sink.response(0);
    await session.send(initialized);
    return session;
  }

  it('reconnects a dropped GET stream with Last-Event-ID and loses nothing', async () => {
    const sink = new CollectingSink();
    await started(sink);
    await expect.poll(() => server.getRequests.length).toBe(1);
    await server.log('before the drop');
    await sink.waitFor((r) => JSON.stringify(r.message).includes('before the drop'));

    server.dropGetStreams();
    await server.log('while disconnected');
    await expect.poll(() => server.getRequests.length, { timeout: 5000 }).toBe(2);
    expect(server.getRequests[1]).toEqual(expect.any(String));
    await sink.waitFor((r) => JSON.stringify(r.message).includes('while disconnected'));
  });

  it('ends the session with upstream_closed when the server no longer knows it (404)', async () => {
    const sink = new CollectingSink();
    const session = await started(sink);
    await session.send(toolCall(1, 'ping-tool', {}));
    expect(resultText((await sink.response(1)).message)).toBe('pong');

    server.forgetSessions();
    await session.send(toolCall(2, 'ping-tool', {}));
    const failure = await sink.ended;
    expect(failure?.code).toBe('upstream_closed');
    expect(failure?.message).toBe(
      'The MCP server for connection "sdk" ended the session; start a new session.',
    );
  });
});
