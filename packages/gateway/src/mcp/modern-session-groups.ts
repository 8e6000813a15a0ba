import type { Caller, JsonRpcMessage, ProtocolEra, RelayContext } from '@airlock/core';
import { sha256Hex, type ModernGroupStore } from '@airlock/recording';
import type { Logger } from 'pino';
import { newSessionId } from './session-id.js';

const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo';

interface Group {
  readonly key: string;
  readonly context: RelayContext;
  lastActivity: number;
  /** Requests of the group still being answered: a group is never expired under them. */
  active: number;
  /**
   * Shared groups: when the group's idle deadline in the store passes, on this gateway's clock.
   * Taken from the time the store was asked, so it is never later than the store's own deadline.
   */
  deadline: number;
  /** Shared groups: requests joined since the store last saw the group renewed. */
  dirty: boolean;
  /** Kept here only: the store could not be reached when the group started (see `claim`). */
  local: boolean;
  /** The store no longer has the group live: the next request claims again, and it ends when idle. */
  stale: boolean;
  ended: boolean;
}

export interface JoinedGroup {
  readonly context: RelayContext;
  /** Call when the request is answered (or its client gone). */
  readonly release: () => void;
}

/** Where the gateways of a cluster agree on groups (see ModernSessionGroups). */
export interface SharedGroupOptions {
  readonly store: ModernGroupStore;
  /** This gateway's chain in shared sessions: its session tag. */
  readonly chain: string;
  readonly logger: Logger;
}

/** Groups past their deadline this long are deleted from the store by whichever gateway sweeps. */
const PURGE_GRACE_MS = 3_600_000;
const PURGE_EVERY_MS = 600_000;

/** The client's name from a 2026-07-28 request's `_meta` (every modern request carries it). */
function clientNameOf(message: JsonRpcMessage): string {
  const params = 'method' in message ? message.params : undefined;
  const meta = params?.['_meta'] as Record<string, unknown> | undefined;
  const info = meta?.[CLIENT_INFO_META] as { name?: unknown } | undefined;
  return typeof info?.name === 'string' ? info.name : '';
}

/**
 * Groups modern-era (stateless) requests into recording sessions. A protocol without sessions
 * still has people working in one client: requests of the same subject, connection and client
 * name (`_meta` clientInfo) share one recording session id until the group has been quiet for
 * `idleMs`, then it ends as `expired` and the next request starts a new one. The id is also the
 * session id the agent records under (it travels in the OpenSession).
 *
 * In a cluster (`shared`) the group is the cluster's, not this gateway's: its id is agreed in the
 * store (claim or join by group key), so a client whose requests alternate between gateways is
 * one recording session, in which each gateway writes its own chain (`chain`: its session tag).
 * Only a gateway's first request of a group, or one arriving close to the group's deadline, waits
 * for the store; every other request uses the id cached here, and the deadline is pushed forward
 * in one batched statement every `renewMs`, off the requests' path. A join is only trusted while
 * the deadline is further off than a renewal can take to land (`marginMs`), so no gateway goes on
 * using an id after the store declared its group over. A gateway ends its chain (`expired`) only
 * once the store's deadline has passed, so every chain of a session ends the same way, once the
 * whole cluster has been quiet for `idleMs`.
 */
export class ModernSessionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly claims = new Map<string, Promise<Group>>();
  private readonly timer: NodeJS.Timeout;
  private readonly renewMs: number;
  private readonly marginMs: number;
  private ticking = false;
  private storeFailing = false;
  private purgedAt = Date.now();
  private claimed = 0;

  constructor(
    private readonly idleMs: number,
    private readonly onEnded: (context: RelayContext, reason: string) => void,
    private readonly shared?: SharedGroupOptions,
  ) {
    this.renewMs = Math.max(50, Math.min(idleMs / 4, 5_000));
    // A renewal must reach the store before a deadline a join trusted passes: a tick, plus up to
    // half a second (or a tick, if longer) for the statement; at most half the idle time.
    this.marginMs = Math.min(this.renewMs + Math.max(this.renewMs, 500), idleMs / 2);
    const every = shared ? this.renewMs : Math.max(50, Math.min(idleMs / 2, 30_000));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  /** The recording context for one request; call the returned `release` when it is answered. */
  async join(
    caller: Caller,
    connection: string,
    message: JsonRpcMessage,
    era: ProtocolEra,
    protocolVersion: string,
  ): Promise<JoinedGroup> {
    const parts = [caller.subject, connection, clientNameOf(message)];
    const key = this.shared ? sha256Hex(parts.join('\u0000')) : parts.join('\u0000');
    const now = Date.now();
    let group = this.groups.get(key);
    if (!this.shared) {
      if (group && group.active === 0 && now - group.lastActivity > this.idleMs) {
        this.end(group, 'expired');
        group = undefined;
      }
      group ??= this.add(key, { sessionId: newSessionId(), connection, caller, era, protocolVersion }, now);
    } else if (!group || group.stale || group.deadline - now <= this.marginMs) {
      const base = { connection, caller, era, protocolVersion };
      group = await this.claim(key, base);
      // Ended while this request waited (the store said over just before): claim once more.
      if (group.ended) group = await this.claim(key, base);
    }
    return this.enter(group, caller, protocolVersion);
  }

  get size(): number {
    return this.groups.size;
  }

  /** Requests that waited for the store (a gateway's first of a group, or one near its deadline). */
  get storeClaims(): number {
    return this.claimed;
  }

  /**
   * Ends every group (gateway shutdown). A group shared with other gateways goes on there: its
   * chain here just stops (everything it recorded is spooled), and the session ends once, when
   * the cluster has been quiet for the idle time.
   */
  closeAll(reason: string): void {
    clearInterval(this.timer);
    for (const group of [...this.groups.values()]) {
      if (this.shared && !group.local) {
        group.ended = true; // a request still running must not end it either (see `release`)
        this.groups.delete(group.key);
      } else this.end(group, reason);
    }
  }

  private add(key: string, context: RelayContext, deadline: number, local = false): Group {
    const group: Group = {
      key,
      context,
      lastActivity: Date.now(),
      active: 0,
      deadline,
      dirty: false,
      local,
      stale: false,
      ended: false,
    };
    this.groups.set(key, group);
    return group;
  }

  private enter(group: Group, caller: Caller, protocolVersion: string): JoinedGroup {
    group.active += 1;
    group.lastActivity = Date.now();
    group.dirty = true;
    let released = false;
    return {
      // The caller of this request (a refreshed token may carry new groups); the group's id.
      context: { ...group.context, caller, protocolVersion },
      release: () => {
        if (released) return;
        released = true;
        group.active -= 1;
        group.lastActivity = Date.now();
        group.dirty = true;
        // A group the cluster moved past while this request ran ends with its last request.
        if (group.active === 0 && this.groups.get(group.key) !== group) this.end(group, 'expired');
      },
    };
  }

  /** Claims or joins the group in the store; concurrent requests of one key share one claim. */
  private claim(key: string, base: Omit<RelayContext, 'sessionId' | 'chain'>): Promise<Group> {
    let pending = this.claims.get(key);
    if (pending === undefined) {
      pending = this.claimFromStore(key, base).finally(() => this.claims.delete(key));
      this.claims.set(key, pending);
    }
    return pending;
  }

  private async claimFromStore(key: string, base: Omit<RelayContext, 'sessionId' | 'chain'>): Promise<Group> {
    const shared = this.shared!;
    const askedAt = Date.now();
    this.claimed += 1;
    let lease;
    try {
      lease = await shared.store.claimModernGroup(key, newSessionId(), this.idleMs);
      this.storeWorks();
    } catch (error) {
      // Grouping is bookkeeping, not access: without the store the request still goes ahead,
      // fully recorded, in a group kept here alone (the client's session is split, never lost).
      this.storeFailed(error, 'claim');
      const current = this.groups.get(key);
      if (current && !current.ended) return current;
      const context = { ...base, sessionId: newSessionId(), chain: shared.chain };
      return this.add(key, context, askedAt + this.idleMs, true);
    }
    const current = this.groups.get(key);
    if (current?.context.sessionId === lease.sessionId) {
      current.deadline = askedAt + lease.remainingMs;
      current.stale = false;
      return current;
    }
    // The group this gateway knew is over in the cluster: its chain ends (now, or with its last request).
    if (current) this.retire(current);
    const context = { ...base, sessionId: lease.sessionId, chain: shared.chain };
    return this.add(key, context, askedAt + lease.remainingMs);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.shared) await this.renewAndSweepShared();
      const cutoff = Date.now() - this.idleMs;
      for (const group of [...this.groups.values()]) {
        const local = !this.shared || group.local;
        if (local && group.active === 0 && group.lastActivity < cutoff) this.retire(group);
      }
    } finally {
      this.ticking = false;
    }
  }

  /**
   * One statement for all the groups this gateway has seen requests of since the last tick (their
   * deadlines move forward) and those idle here past their deadline (whose deadline it only reads:
   * another gateway may have kept the group alive). A group the store no longer has live is over.
   */
  private async renewAndSweepShared(): Promise<void> {
    const shared = this.shared!;
    const now = Date.now();
    const busy: Group[] = [];
    const idle: Group[] = [];
    for (const group of this.groups.values()) {
      if (group.local) continue;
      if (group.dirty || group.active > 0) busy.push(group);
      else if (group.stale || now >= group.deadline) idle.push(group);
    }
    for (const group of busy) group.dirty = false;
    const ref = (g: Group) => ({ key: g.key, sessionId: g.context.sessionId });
    try {
      const [renewed, checked] = await Promise.all([
        shared.store.renewModernGroups(busy.map(ref), this.idleMs),
        shared.store.renewModernGroups(idle.map(ref), 0),
      ]);
      this.storeWorks();
      for (const group of busy) this.settle(group, renewed.get(group.key), now);
      for (const group of idle) this.settle(group, checked.get(group.key), now);
      if (now - this.purgedAt >= PURGE_EVERY_MS) {
        this.purgedAt = now;
        await shared.store.purgeModernGroups(PURGE_GRACE_MS);
      }
    } catch (error) {
      for (const group of busy) group.dirty = true;
      this.storeFailed(error, 'renew');
    }
  }

  private settle(group: Group, remainingMs: number | undefined, askedAt: number): void {
    if (this.groups.get(group.key) !== group) return;
    if (remainingMs !== undefined && remainingMs > 0) {
      group.deadline = askedAt + remainingMs;
      group.stale = false;
      return;
    }
    // Over in the store: nobody may use the id again; this gateway's chain ends once idle here.
    group.stale = true;
    if (group.active === 0 && !group.dirty) this.retire(group);
  }

  /** Drops the group; it ends now when idle, else with its last request (see `release`). */
  private retire(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    if (group.active === 0) this.end(group, 'expired');
  }

  private end(group: Group, reason: string): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    if (group.ended) return;
    group.ended = true;
    this.onEnded(group.context, reason);
  }

  private storeFailed(error: unknown, what: 'claim' | 'renew'): void {
    if (this.storeFailing) return;
    this.storeFailing = true;
    this.shared?.logger.warn(
      { err: error, what },
      'the shared store did not answer for modern-era recording groups: new groups are kept on this gateway alone (a client may be recorded as several sessions) until it answers again',
    );
  }

  private storeWorks(): void {
    if (!this.storeFailing) return;
    this.storeFailing = false;
    this.shared?.logger.info('the shared store answers again for modern-era recording groups');
  }
}
