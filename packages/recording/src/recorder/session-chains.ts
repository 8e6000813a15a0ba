import { GENESIS_HASH } from '@airlock/core';

/** Where one (session, source) chain stands in this process. */
export interface SessionChain {
  /** seq of the last event appended (0 before the first). */
  seq: number;
  lastHash: string;
  ended: boolean;
  /** Events whose append failed and that no `warning` event has yet accounted for. */
  lost: { from: number; to: number; cause: string } | undefined;
}

/**
 * Per-session chain state. Sessions are removed from the live map by `end()`; ended ones are
 * kept (bounded, oldest evicted first) so a late message or a second `end()` continues the chain
 * instead of starting a second chain at seq 1 that would collide with the first.
 */
export class SessionChains {
  private readonly live = new Map<string, SessionChain>();
  private readonly ended = new Map<string, SessionChain>();
  private readonly maxEnded: number;

  constructor(maxEnded: number) {
    this.maxEnded = maxEnded;
  }

  get liveCount(): number {
    return this.live.size;
  }

  find(sessionId: string): SessionChain | undefined {
    return this.live.get(sessionId) ?? this.ended.get(sessionId);
  }

  create(sessionId: string): SessionChain {
    const chain: SessionChain = { seq: 0, lastHash: GENESIS_HASH, ended: false, lost: undefined };
    this.live.set(sessionId, chain);
    return chain;
  }

  markEnded(sessionId: string, chain: SessionChain): void {
    chain.ended = true;
    this.live.delete(sessionId);
    this.ended.set(sessionId, chain);
    if (this.ended.size > this.maxEnded) {
      const oldest = this.ended.keys().next();
      if (!oldest.done) this.ended.delete(oldest.value);
    }
  }
}
