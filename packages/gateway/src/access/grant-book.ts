import type { ActiveGrant, Caller, GrantLookup } from '@airlock/core';
import type { AccessGrant, AccessGrantStore } from '@airlock/recording';
import type { Logger } from 'pino';

/** Why a grant stopped being in force. */
export interface GrantEnd {
  readonly grant: ActiveGrant;
  readonly requester: string;
  readonly why: 'expired' | 'revoked';
  /** When it ended (ISO-8601). */
  readonly at: string;
  readonly by?: string | undefined;
  readonly reason?: string | undefined;
}

export interface GrantBookOptions {
  readonly store: AccessGrantStore;
  /**
   * How often grants decided or revoked on other gateways are looked for, when the store is shared
   * with them (PostgreSQL). Undefined: this gateway is the store's only writer (the embedded store,
   * or grants in memory), so every change is made here and reloaded at once (`refresh`); nothing
   * reads the store while nothing changes.
   */
  readonly pollMs?: number | undefined;
  /** How soon a failed reload is tried again when there is no poll to do it (default 1 s). */
  readonly retryMs?: number;
  readonly logger: Logger;
}

/** How often a store shared with other gateways is read for their grants and revocations. */
export const SHARED_GRANT_POLL_MS = 1000;

interface Entry {
  readonly grant: ActiveGrant;
  readonly requester: string;
  readonly expiresAtMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** setTimeout holds at most ~24.8 days; a longer wait is re-armed when it fires. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

const keyOf = (subject: string, connection: string): string => `${subject}\u0000${connection}`;

/**
 * The just-in-time grants in force, in memory, because policy asks on every message and must
 * answer synchronously. The store is the truth: the book reloads it at once after a change made
 * here and, with a store shared by several gateways, every `pollMs` (so a grant or revocation made
 * on another gateway is seen within that). Each grant ends at its exact `expiresAt` (a timer), and
 * a revocation ends it when seen. Without a poll, a reload that fails is retried every `retryMs`
 * until one succeeds: a revocation is never left unseen until the next change.
 */
export class GrantBook {
  private readonly entries = new Map<string, Entry>();
  private readonly byHolder = new Map<string, ActiveGrant[]>();
  private readonly listeners: ((end: GrantEnd) => void)[] = [];
  private readonly pollMs: number | undefined;
  private readonly retryMs: number;
  private poller: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: GrantBookOptions) {
    this.pollMs = options.pollMs;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Loads the grants in force, then polls if the store is shared. */
  async start(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      // The gateway does not start: nothing is left retrying behind it.
      this.close();
      throw error;
    }
    if (this.pollMs === undefined) return;
    this.poller = setInterval(() => this.refreshInBackground(), this.pollMs);
    this.poller.unref();
  }

  /** Whether the book reads the store on a timer (a store shared with other gateways). */
  get polling(): boolean {
    return this.pollMs !== undefined;
  }

  /**
   * The policy's synchronous question: this caller's grants in force on this connection. A grant
   * whose expiry has passed is not in force even if its timer has yet to fire (a busy event loop
   * runs timers late): access ends at the exact `expiresAt`.
   */
  readonly lookup: GrantLookup = (caller: Caller, connection: string) => {
    const held = this.byHolder.get(keyOf(caller.subject, connection));
    if (held === undefined) return [];
    const now = Date.now();
    const inForce = (g: ActiveGrant) => (this.entries.get(g.id)?.expiresAtMs ?? 0) > now;
    return held.every(inForce) ? held : held.filter(inForce);
  };

  /**
   * Ends at once every grant whose expiry has passed but whose timer has not fired yet, so that a
   * request refused at the exact expiry finds its session already ended with the grant.
   */
  endExpired(): void {
    const now = Date.now();
    for (const entry of [...this.entries.values()]) if (entry.expiresAtMs <= now) this.expire(entry);
  }

  /** Called with every grant that ends while this gateway knows it. */
  onEnded(listener: (end: GrantEnd) => void): void {
    this.listeners.push(listener);
  }

  /** Reloads from the store; concurrent calls share one reload and ask for one more after it. */
  refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.again = false;
          await this.reload();
        } while (this.again && !this.closed);
      } catch (error) {
        this.retryLater();
        throw error;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Without a poll, nothing else would reload after a failure: try again until it succeeds. */
  private retryLater(): void {
    if (this.pollMs !== undefined || this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.refreshInBackground();
    }, this.retryMs);
    this.retry.unref();
  }

  /** A reload nobody waits for: a failure is logged, and the poll or `retryLater` tries again. */
  private refreshInBackground(): void {
    this.refresh().catch((error: unknown) =>
      this.options.logger.warn(
        { err: error },
        `Reading access grants failed; retrying ${this.polling ? 'at the next poll' : `in ${this.retryMs} ms`}`,
      ),
    );
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poller);
    clearTimeout(this.retry);
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
    this.byHolder.clear();
  }

  private async reload(): Promise<void> {
    const active = await this.options.store.activeGrants(new Date());
    if (this.closed) return;
    const seen = new Set<string>();
    for (const grant of active) {
      seen.add(grant.id);
      if (!this.entries.has(grant.id)) this.add(grant);
    }
    for (const [id, entry] of [...this.entries]) {
      if (seen.has(id)) continue;
      // Gone from the store's grants in force before its timer fired: revoked (or expired there).
      const stored = await this.options.store.getGrant(id);
      if (this.closed) return;
      if (!this.entries.has(id)) continue;
      this.remove(id);
      this.emit({
        grant: entry.grant,
        requester: entry.requester,
        why: stored?.status === 'revoked' ? 'revoked' : 'expired',
        at: stored?.revokedAt ?? entry.grant.expiresAt,
        by: stored?.revokedBy,
        reason: stored?.revokeReason,
      });
    }
  }

  private add(stored: AccessGrant): void {
    if (stored.expiresAt === undefined) return;
    const grant: ActiveGrant = Object.freeze({
      id: stored.id,
      connection: stored.connection,
      tools: Object.freeze([...stored.tools]),
      expiresAt: stored.expiresAt,
    });
    const requester = stored.requester.subject;
    const entry: Entry = { grant, requester, expiresAtMs: Date.parse(grant.expiresAt), timer: undefined };
    this.entries.set(grant.id, entry);
    const key = keyOf(requester, grant.connection);
    this.byHolder.set(key, [...(this.byHolder.get(key) ?? []), grant]);
    this.arm(entry);
  }

  /**
   * Sets the entry's timer for the rest of its life. A timer may fire a little before the wall
   * clock reaches the expiry (timers run on the event loop's cached clock): then it is set again
   * for what is left, and the grant stays in force until then.
   */
  private arm(entry: Entry): void {
    const left = Math.max(0, entry.expiresAtMs - Date.now());
    entry.timer = setTimeout(
      () => {
        if (this.entries.get(entry.grant.id) !== entry) return;
        if (entry.expiresAtMs > Date.now()) this.arm(entry);
        else this.expire(entry);
      },
      Math.min(left, LONGEST_TIMER_MS),
    );
    entry.timer.unref();
  }

  private expire(entry: Entry): void {
    this.remove(entry.grant.id);
    this.emit({
      grant: entry.grant,
      requester: entry.requester,
      why: 'expired',
      at: entry.grant.expiresAt,
    });
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    const key = keyOf(entry.requester, entry.grant.connection);
    const rest = (this.byHolder.get(key) ?? []).filter((g) => g.id !== id);
    if (rest.length === 0) this.byHolder.delete(key);
    else this.byHolder.set(key, rest);
  }

  private emit(end: GrantEnd): void {
    for (const listener of this.listeners) {
      try {
        listener(end);
      } catch (error) {
        this.options.logger.error({ err: error, grantId: end.grant.id }, 'Ending a grant failed');
      }
    }
  }
}
