import { parseJsonRpcMessage, type AirlockError, type JsonRpcMessage } from '@airlock/core';
import type { FrameMeta, TunnelStream } from '@airlock/tunnel';

export interface GatewayReceived {
  readonly message: JsonRpcMessage;
  readonly meta: FrameMeta;
}

/** The gateway's end of a memory stream pair: sends client messages, collects what comes back. */
export class GatewaySide {
  readonly received: GatewayReceived[] = [];
  readonly ended: Promise<AirlockError | undefined>;

  constructor(readonly stream: TunnelStream) {
    let resolveEnded!: (failure: AirlockError | undefined) => void;
    this.ended = new Promise((resolve) => (resolveEnded = resolve));
    stream.setHandler({
      onMessage: ({ data, relatedRequest, httpStatus }) =>
        this.received.push({
          message: parseJsonRpcMessage(data.toString('utf8')),
          meta: { relatedRequest, httpStatus },
        }),
      onEnd: (failure) => resolveEnded(failure),
    });
  }

  send(message: JsonRpcMessage): Promise<void> {
    return this.stream.send(JSON.stringify(message));
  }

  async response(id: number, timeoutMs = 10_000): Promise<GatewayReceived> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((r) => !('method' in r.message) && r.message.id === id);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no response ${id}; received ${JSON.stringify(this.received).slice(0, 1000)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
