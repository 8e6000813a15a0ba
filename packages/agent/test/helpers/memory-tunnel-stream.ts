import type { AirlockError } from '@airlock/core';
import type { FrameMeta, TunnelMessage, TunnelStream, TunnelStreamHandler } from '@airlock/tunnel';

/**
 * An in-memory pair of `TunnelStream`s (our own interface, not a protocol): what one side sends
 * the other receives, in order, asynchronously. `send` resolves only once the peer's handler took
 * the message, so a paused peer holds the sender back, as HTTP/2 flow control would.
 */
class MemoryTunnelStream implements TunnelStream {
  peer!: MemoryTunnelStream;
  ended = false;
  private handler: TunnelStreamHandler | undefined;
  private paused = true;
  private readonly inbox: { message: TunnelMessage; accepted: () => void }[] = [];
  private endReported = false;
  private pendingEnd: { failure: AirlockError | undefined } | undefined;

  constructor(readonly sessionId: string) {}

  send(data: string | Uint8Array, meta: FrameMeta = {}): Promise<void> {
    if (this.ended) return Promise.reject(new Error('stream ended'));
    const message: TunnelMessage = { data: Buffer.from(data), ...meta };
    return new Promise((accepted) => {
      this.peer.inbox.push({ message, accepted });
      setImmediate(() => this.peer.flush());
    });
  }

  setHandler(handler: TunnelStreamHandler): void {
    this.handler = handler;
    this.paused = false;
    setImmediate(() => this.flush());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    setImmediate(() => this.flush());
  }

  end(failure?: AirlockError): void {
    if (this.ended) return;
    this.ended = true;
    this.peer.receiveEnd(failure);
  }

  private receiveEnd(failure: AirlockError | undefined): void {
    this.pendingEnd = { failure };
    this.ended = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    while (this.handler && !this.paused && this.inbox.length > 0) {
      const { message, accepted } = this.inbox.shift()!;
      this.handler.onMessage(message);
      accepted();
    }
    if (this.pendingEnd && this.inbox.length === 0) this.reportEnd(this.pendingEnd.failure);
  }

  private reportEnd(failure: AirlockError | undefined): void {
    if (this.endReported || !this.handler) return;
    this.endReported = true;
    for (const { accepted } of this.inbox.splice(0)) accepted();
    this.handler.onEnd(failure);
  }
}

export function memoryStreamPair(sessionId: string): { agent: TunnelStream; gateway: TunnelStream } {
  const agent = new MemoryTunnelStream(sessionId);
  const gateway = new MemoryTunnelStream(sessionId);
  agent.peer = gateway;
  gateway.peer = agent;
  return { agent, gateway };
}
