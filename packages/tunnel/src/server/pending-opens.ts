import type { AirlockError } from '@airlock/core';
import type { TunnelStream } from '../tunnel-stream.js';
import type { ConnectedAgent } from './connected-agent.js';

export interface PendingOpen {
  readonly openId: string;
  readonly agent: ConnectedAgent;
  readonly connection: string;
  readonly sessionId: string;
  /** A modern-era exchange for an agent with reuse: its stream joins the standby pool afterwards. */
  readonly reusable: boolean;
  resolve(stream: TunnelStream): void;
  reject(error: AirlockError): void;
}

interface Entry extends PendingOpen {
  readonly timer: NodeJS.Timeout;
}

/** OpenSession requests waiting for the agent's Attach, each with its own deadline. */
export class PendingOpens {
  readonly #entries = new Map<string, Entry>();

  add(open: PendingOpen, timeoutMs: number, onTimeout: (open: PendingOpen) => AirlockError): void {
    const timer = setTimeout(() => {
      if (this.#entries.get(open.openId) === entry) this.#settle(entry, onTimeout(open));
    }, timeoutMs);
    const entry: Entry = { ...open, timer };
    open.agent.openingSessions++;
    this.#entries.set(open.openId, entry);
  }

  peek(openId: string): PendingOpen | undefined {
    return this.#entries.get(openId);
  }

  /** Removes and returns the open, for the caller to resolve. */
  take(openId: string): PendingOpen | undefined {
    const entry = this.#entries.get(openId);
    if (!entry) return undefined;
    this.#remove(entry);
    return entry;
  }

  reject(openId: string, agent: ConnectedAgent, error: AirlockError): boolean {
    const entry = this.#entries.get(openId);
    if (!entry || entry.agent !== agent) return false;
    this.#settle(entry, error);
    return true;
  }

  rejectForAgent(agent: ConnectedAgent, error: (open: PendingOpen) => AirlockError): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.agent === agent) this.#settle(entry, error(entry));
    }
  }

  rejectAll(error: (open: PendingOpen) => AirlockError): void {
    for (const entry of [...this.#entries.values()]) this.#settle(entry, error(entry));
  }

  #settle(entry: Entry, error: AirlockError): void {
    this.#remove(entry);
    entry.reject(error);
  }

  #remove(entry: Entry): void {
    clearTimeout(entry.timer);
    this.#entries.delete(entry.openId);
    entry.agent.openingSessions--;
  }
}
