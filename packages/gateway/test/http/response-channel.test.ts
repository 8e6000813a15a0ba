import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResponseChannel } from '../../src/http/response-channel.js';
import { ResumableStreams } from '../../src/http/resumable-streams.js';

const limits = { maxEvents: 5, maxBytes: 1000, retryMs: 1000, prime: true };

let server: Server | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/**
 * Serves one POST with a ResponseChannel of a legacy session's streams, delivering `messages`
 * ([json, final]); resolves with the body the client read, how many writes reached the socket and
 * how many interval timers the delivery made (an open stream's keepalive is one).
 */
async function answer(
  messages: [string, boolean][],
): Promise<{ body: string; type: string; socketWrites: number; intervals: number }> {
  let socketWrites = 0;
  let intervals = 0;
  server = createServer((req, res) => {
    const socket = res.socket as Socket & { _writev?: unknown };
    const write = socket._write.bind(socket);
    const writev = (socket._writev as (...a: unknown[]) => void).bind(socket);
    socket._write = (...a: Parameters<typeof write>) => (socketWrites++, write(...a));
    socket._writev = (...a: unknown[]) => (socketWrites++, writev(...a));
    const channel = new ResponseChannel(res, 1, {}, new ResumableStreams(limits));
    req.resume();
    req.once('end', () => {
      const setInterval = vi.spyOn(globalThis, 'setInterval');
      for (const [json, final] of messages) channel.deliver(json, final, 200, true);
      intervals = setInterval.mock.calls.length;
      setInterval.mockRestore();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ body, type: String(res.headers['content-type']), socketWrites, intervals }),
      );
    });
    req.once('error', reject);
    req.end('{}');
  });
}

describe('ResponseChannel', () => {
  it('sends a final answer on an event stream in one socket write: headers, priming event, message, end', async () => {
    const { body, type, socketWrites } = await answer([['{"jsonrpc":"2.0","id":1,"result":{}}', true]]);
    expect(type).toBe('text/event-stream');
    expect(body).toMatch(/^id: \S+_0\nretry: 1000\ndata: \n\n/);
    expect(body).toContain('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
    expect(socketWrites).toBe(1);
  });

  it('makes no keepalive timer for an event stream that carries the whole answer at once', async () => {
    const { intervals } = await answer([['{"jsonrpc":"2.0","id":1,"result":{}}', true]]);
    expect(intervals).toBe(0);
  });

  it('streams what comes before the answer, then the answer, kept alive in between', async () => {
    const { body, intervals } = await answer([
      ['{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}', false],
      ['{"jsonrpc":"2.0","id":1,"result":{}}', true],
    ]);
    expect(body.indexOf('notifications/progress')).toBeLessThan(body.indexOf('"result"'));
    expect(intervals).toBe(1);
  });
});

describe('ResponseChannel backpressure', () => {
  it('calls onWritable back when a client that stopped reading goes away (no drain ever comes)', async () => {
    // 32 MiB is far past what the sockets' buffers take, so the write reports backpressure.
    const big = JSON.stringify({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { data: 'x'.repeat(32 << 20) },
    });
    let writable: boolean | undefined;
    const called = new Promise<string>((resolve) => {
      server = createServer((req, res) => {
        const channel = new ResponseChannel(res, 1, {}, new ResumableStreams(limits));
        req.resume();
        req.once('end', () => {
          writable = channel.deliver(big, false);
          channel.onWritable(() => resolve('called back'));
        });
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server!.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp' }, (res) => {
      // Reads nothing, then hangs up: the relay must not wait for a drain that cannot come.
      res.pause();
      setTimeout(() => req.destroy(), 200);
    });
    req.once('error', () => undefined);
    req.end('{}');
    const outcome = await Promise.race([
      called,
      new Promise<string>((resolve) => setTimeout(() => resolve('never called back'), 5000)),
    ]);
    expect(writable).toBe(false);
    expect(outcome).toBe('called back');
  });
});
