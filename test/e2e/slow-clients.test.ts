import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { MCP_POST_HEADERS, openRawSession, parseSse, textOf } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * The gateway's public listener against slow and idle clients (gateway.limits: header, request
 * and idle timeouts, maximum connections), through the real gateway + agent. Limits are set low
 * so the tests run in seconds; the waits in them are generous ceilings, never measured timings.
 */
const HEADERS_TIMEOUT_S = 1;
const REQUEST_TIMEOUT_S = 2;
/** How long a test keeps trickling before it gives up: far past every limit above. */
const PATIENCE_MS = 20_000;

let upstreams: Upstreams;
let airlock: AirlockHarness;
let port: number;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({
    connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
    gateway: {
      limits: {
        headersTimeoutSeconds: HEADERS_TIMEOUT_S,
        requestTimeoutSeconds: REQUEST_TIMEOUT_S,
        idleTimeoutSeconds: 1,
      },
    },
  });
  port = airlock.gateway.http.port;
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

interface Outcome {
  /** What the gateway wrote before closing. */
  readonly received: string;
  /** Whether the client was still sending (or waiting to) when the gateway closed the connection. */
  readonly cutOff: boolean;
}

/** Connects and runs `behave` (e.g. trickle bytes) until the gateway closes, or PATIENCE_MS pass. */
function misbehave(portNumber: number, behave: (socket: Socket) => () => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(portNumber, '127.0.0.1');
    let received = '';
    let stop = (): void => undefined;
    socket.on('connect', () => (stop = behave(socket)));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => {
      stop();
      socket.destroy();
      resolve({ received, cutOff: false });
    }, PATIENCE_MS);
    socket.on('close', () => {
      clearTimeout(giveUp);
      stop();
      resolve({ received, cutOff: true });
    });
  });
}

function trickle(socket: Socket, first: string, next: string): () => void {
  socket.write(first);
  const timer = setInterval(() => socket.write(next), 200);
  return () => clearInterval(timer);
}

describe('slow and idle clients', () => {
  it('cuts off a slowloris client (one header line every 200 ms) at the header timeout with 408', async () => {
    const outcome = await misbehave(port, (s) =>
      trickle(s, 'POST /mcp/kitchen-http HTTP/1.1\r\nhost: 127.0.0.1\r\n', 'x-trickle: 1\r\n'),
    );
    expect(outcome.cutOff).toBe(true);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it('closes a connection that never sends a byte', async () => {
    const outcome = await misbehave(port, () => () => undefined);
    expect(outcome.cutOff).toBe(true);
    // Closed by the listener's silence deadline (nothing written) or, when Node's own connection
    // check runs first, with its 408: both at the header timeout, never left open.
    expect(outcome.received).toMatch(/^(|HTTP\/1\.1 408 Request Timeout[\s\S]*)$/);
  });

  it('cuts off a body trickled a byte at a time at the request timeout with 408', async () => {
    const outcome = await misbehave(port, (s) =>
      trickle(
        s,
        'POST /mcp/kitchen-http HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 100000\r\n\r\n',
        ' ',
      ),
    );
    expect(outcome.cutOff).toBe(true);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it('keeps a GET SSE stream open past the request, header and idle timeouts', async () => {
    const url = airlock.mcpUrl('kitchen-http');
    const sessionId = await openRawSession(url);
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId },
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const waitMs = (REQUEST_TIMEOUT_S + 3) * 1000;
    const first = await Promise.race([
      reader.read().then(
        (r) => (r.done ? 'ended' : 'data'),
        () => 'failed',
      ),
      new Promise((resolve) => setTimeout(() => resolve('still open'), waitMs)),
    ]);
    expect(first).toBe('still open');
    await reader.cancel();
    await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
  });

  it('answers a tool call whose SSE response lasts past the request timeout', async () => {
    const url = airlock.mcpUrl('kitchen-http');
    const sessionId = await openRawSession(url);
    const steps = REQUEST_TIMEOUT_S + 2; // one second each
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, 'mcp-session-id': sessionId },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'progress', arguments: { steps, delayMs: 1000 }, _meta: { progressToken: 'p' } },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const messages = parseSse(await response.text());
    expect(messages.filter((m) => m['method'] === 'notifications/progress')).toHaveLength(steps);
    expect(textOf((messages.at(-1) as { result: unknown }).result)).toBe(`completed ${steps} steps`);
  });
});

describe('maximum open connections', () => {
  let limited: AirlockHarness;
  const MAX = 4;

  beforeAll(async () => {
    // Its own gateway: long timeouts, so held connections stay open for as long as the test needs.
    limited = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      startAgent: false,
      gateway: { limits: { maxConnections: MAX, headersTimeoutSeconds: 30 } },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  async function healthz(): Promise<string> {
    return misbehave(limited.gateway.http.port, (s) => {
      s.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n');
      return () => undefined;
    }).then((o) => o.received);
  }

  it(`refuses connections past gateway.limits.maxConnections (${MAX}) and serves again once one closes`, async () => {
    const held: Socket[] = [];
    for (let i = 0; i < MAX; i++) {
      const socket = connect(limited.gateway.http.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      held.push(socket);
    }
    try {
      // Closed at once: no answer at all, not even an error status.
      expect(await healthz()).toBe('');
      expect(limited.logs()).toMatch(/gateway\.limits\.maxConnections/);
      held.pop()?.destroy();
      let answer = '';
      for (let attempt = 0; attempt < 50 && answer === ''; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await healthz();
      }
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
