import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withOwnAbortSignal } from '../../src/net/own-abort-signal.js';

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running === undefined) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

/** A server that sends its headers and then holds every response open until it is closed. */
async function holdingServer(): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('withOwnAbortSignal', () => {
  it('puts no abort listener on the shared signal, where a plain fetch leaves one per request', async () => {
    const url = await holdingServer();
    const shared = new AbortController();
    const plain = await Promise.all(
      Array.from({ length: 5 }, () => fetch(url, { method: 'POST', body: '{}', signal: shared.signal })),
    );
    // Node's fetch listens on the signal it was given for as long as the request lives.
    expect(getEventListeners(shared.signal, 'abort').length).toBeGreaterThanOrEqual(plain.length);
    const other = new AbortController();
    const own = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(url, withOwnAbortSignal({ method: 'POST', body: '{}', signal: other.signal })),
      ),
    );
    expect(own.every((r) => r.status === 200)).toBe(true);
    expect(getEventListeners(other.signal, 'abort')).toEqual([]);
    shared.abort();
    other.abort();
  });

  it('still aborts the request when the shared signal aborts', async () => {
    const url = await holdingServer();
    const shared = new AbortController();
    const response = await fetch(url, withOwnAbortSignal({ signal: shared.signal }));
    const reading = response.text();
    shared.abort(new Error('the transport closed'));
    await expect(reading).rejects.toThrow('the transport closed');
  });

  it('leaves a request without a signal as it is', () => {
    const init: RequestInit = { method: 'GET' };
    expect(withOwnAbortSignal(init)).toBe(init);
    expect(withOwnAbortSignal(undefined)).toBeUndefined();
  });
});
