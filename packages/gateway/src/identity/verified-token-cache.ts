import type { Caller } from '@airlock/core';

interface Entry {
  readonly caller: Caller;
  readonly expiresAt: number;
}

/**
 * Accepted tokens, keyed by a digest of the token and the connection (a token is valid for one
 * resource only), so the hot path is a hash and a map lookup. Entries live until the token
 * expires or `maxAgeMs`, whichever is first; the map is bounded and drops its oldest entries.
 * The token itself is never kept.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Caller | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.caller;
  }

  set(key: string, caller: Caller, expiresAt: number): void {
    if (expiresAt <= this.now()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, { caller, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries; if none were, the oldest tenth (Map order is insertion order). */
  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    if (this.entries.size < this.maxEntries) return;
    let drop = Math.max(1, Math.floor(this.maxEntries / 10));
    for (const key of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
