import { createHash, randomBytes } from 'node:crypto';
import type { SessionOpenRequest } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_CHUNK_BYTES,
  type GrpcTunnelStream,
  type TunnelClient,
  type TunnelServer,
  type TunnelStream,
} from '../src/index.js';
import {
  collect,
  connected,
  echoSessions,
  sessionRequest,
  startClient,
  startServer,
} from './tunnel-harness.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A 20 MiB JSON-RPC result whose payload is incompressible. */
function bigMessage(): Buffer {
  const blob = randomBytes(15 * MiB).toString('base64'); // 20 MiB of text
  return Buffer.from(`{"jsonrpc":"2.0","id":1,"result":{"blob":"${blob}"}}`);
}

describe('tunnel: large messages and flow control', () => {
  let server: TunnelServer;
  let client: TunnelClient;
  /** Agent-side streams by session id, to drive the agent end from the test. */
  const agentStreams = new Map<string, TunnelStream>();
  let onSession: (request: SessionOpenRequest, stream: TunnelStream) => void = echoSessions;

  beforeAll(async () => {
    server = await startServer();
    client = await startClient(server.port, {
      onSession: (request, stream) => {
        agentStreams.set(request.sessionId, stream);
        onSession(request, stream);
      },
    });
    await connected(client);
  });
  afterAll(async () => {
    await client.stop();
    await server.close();
  });

  it('carries a 20 MiB message intact, in chunks, both ways, within a sane memory bound', async () => {
    const message = bigMessage();
    expect(message.length).toBeGreaterThan(20 * MiB);
    const digest = sha256(message);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);

    const stream = await server.openSession(sessionRequest('big-1'));
    const received = collect(stream);
    await stream.send(message, { relatedRequest: 'n:1' });
    const echoed = await received.next();
    clearInterval(sampler);

    expect(echoed.data.length).toBe(message.length);
    expect(sha256(echoed.data)).toBe(digest);
    expect(echoed.relatedRequest).toBe('echo:n:1');
    const expectedFrames = Math.ceil(message.length / DEFAULT_MAX_CHUNK_BYTES);
    const gatewaySide = stream as GrpcTunnelStream;
    const agentSide = agentStreams.get('big-1') as GrpcTunnelStream;
    expect(gatewaySide.stats.framesSent).toBe(expectedFrames);
    expect(agentSide.stats.framesReceived).toBe(expectedFrames);
    expect(agentSide.stats.messagesReceived).toBe(1);
    expect(gatewaySide.stats.framesReceived).toBe(expectedFrames);
    // The message itself, a reassembled copy on each side, and gRPC's buffers: well under 200 MB.
    const growthMb = (rssPeak - rssBefore) / MiB;
    expect(growthMb).toBeLessThan(200);
    stream.end();
  });

  it('a paused session holds back its sender without stalling another session on the same agent', async () => {
    const message = bigMessage();
    const digest = sha256(message);
    let bigSendDone = false;
    onSession = (request, stream) => {
      if (request.sessionId !== 'slow-a') return echoSessions(request, stream);
      stream.setHandler({
        onMessage: () => {
          void stream.send(message).then(() => (bigSendDone = true));
        },
        onEnd: () => undefined,
      });
    };

    const slow = await server.openSession(sessionRequest('slow-a'));
    const slowReceived = collect(slow);
    slow.pause();
    await slow.send('{"jsonrpc":"2.0","id":1,"method":"resources/read"}');

    // While A's receiver is paused, B does 50 round trips promptly.
    const fast = await server.openSession(sessionRequest('fast-b'));
    const fastReceived = collect(fast);
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      await fast.send(`{"jsonrpc":"2.0","id":${i},"method":"ping"}`);
      expect((await fastReceived.next()).data.toString()).toContain(`"id":${i}`);
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(2000);

    // Backpressure really held: the agent's send of A has not finished, the paused gateway side
    // delivered none of it, and the agent could write only a few frames before waiting.
    await new Promise((r) => setTimeout(r, 100));
    expect(bigSendDone).toBe(false);
    const slowSide = slow as GrpcTunnelStream;
    const agentSlow = agentStreams.get('slow-a') as GrpcTunnelStream;
    expect(slowSide.stats.bytesReceived).toBe(0);
    // The sender got only a few frames out (in flight + read-ahead + HTTP/2 window) of 80.
    expect(agentSlow.stats.framesSent).toBeGreaterThan(0);
    expect(agentSlow.stats.framesSent).toBeLessThanOrEqual(12);
    expect(slowReceived.messages).toHaveLength(0);

    slow.resume();
    const whole = await slowReceived.next();
    expect(whole.data.length).toBe(message.length);
    expect(sha256(whole.data)).toBe(digest);
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('agent send never completed')), 5000);
      const check = setInterval(() => {
        if (bigSendDone) {
          clearInterval(check);
          clearTimeout(deadline);
          resolve();
        }
      }, 5);
    });
    slow.end();
    fast.end();
  });
});
