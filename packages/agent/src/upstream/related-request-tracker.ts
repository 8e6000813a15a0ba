import { idKey, type JsonRpcMessage } from '@airlock/core';

/** Progress tokens and request ids share JSON-RPC's id type, so they share its key. */
function tokenKey(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? idKey(value) : undefined;
}

function progressTokenOf(params: Record<string, unknown> | undefined): string | undefined {
  const meta = params?.['_meta'];
  if (typeof meta !== 'object' || meta === null) return undefined;
  return tokenKey((meta as Record<string, unknown>)['progressToken']);
}

/**
 * Infers which client request a server message belongs to on a transport that has no
 * per-request channel (stdio). The gateway needs this to put the message on the right SSE
 * response. Rules, most specific first:
 * - a response belongs to the request with its id;
 * - `notifications/progress` belongs to the request that sent its progressToken;
 * - anything else belongs to the only request in flight, when exactly one is;
 * - otherwise it is unrelated (the gateway sends it on the session's GET stream).
 */
export class RelatedRequestTracker {
  /** In-flight client request id key → its progress token key, if any. */
  private readonly inFlight = new Map<string, string | undefined>();
  private readonly byProgressToken = new Map<string, string>();

  get size(): number {
    return this.inFlight.size;
  }

  /** Notes a client → server message. */
  clientSent(message: JsonRpcMessage): void {
    if (!('method' in message)) return;
    if (!('id' in message)) {
      // A cancelled request gets no response (MCP cancellation), so forget it here.
      if (message.method === 'notifications/cancelled') {
        const cancelled = tokenKey(message.params?.['requestId']);
        if (cancelled !== undefined) this.forget(cancelled);
      }
      return;
    }
    const key = idKey(message.id);
    const token = progressTokenOf(message.params);
    this.inFlight.set(key, token);
    if (token !== undefined) this.byProgressToken.set(token, key);
  }

  /** Notes a server → client message; returns the id key of the request it belongs to, if any. */
  serverSent(message: JsonRpcMessage): string | undefined {
    if (!('method' in message)) {
      if (message.id === null) return undefined;
      const key = idKey(message.id);
      return this.forget(key) ? key : undefined;
    }
    if (message.method === 'notifications/progress') {
      const token = tokenKey(message.params?.['progressToken']);
      const related = token === undefined ? undefined : this.byProgressToken.get(token);
      if (related !== undefined) return related;
    }
    if (this.inFlight.size === 1) return this.inFlight.keys().next().value;
    return undefined;
  }

  private forget(key: string): boolean {
    if (!this.inFlight.has(key)) return false;
    const token = this.inFlight.get(key);
    if (token !== undefined) this.byProgressToken.delete(token);
    this.inFlight.delete(key);
    return true;
  }
}
