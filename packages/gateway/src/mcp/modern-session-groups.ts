import type { Caller, JsonRpcMessage, ProtocolEra, RelayContext } from '@airlock/core';
import { newSessionId } from './session-id.js';

const CLIENT_INFO_META = 'io.modelcontextprotocol/clientInfo';

interface Group {
  readonly context: RelayContext;
  lastActivity: number;
  /** Requests of the group still being answered: a group is never expired under them. */
  active: number;
}

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
 */
export class ModernSessionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number,
    private readonly onEnded: (context: RelayContext, reason: string) => void,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(idleMs / 2, 30_000)));
    this.sweeper.unref();
  }

  /** The recording context for one request; call the returned `release` when it is answered. */
  join(
    caller: Caller,
    connection: string,
    message: JsonRpcMessage,
    era: ProtocolEra,
    protocolVersion: string,
  ): { context: RelayContext; release: () => void } {
    const key = [caller.subject, connection, clientNameOf(message)].join('\u0000');
    let group = this.groups.get(key);
    if (group && group.active === 0 && Date.now() - group.lastActivity > this.idleMs) {
      this.expire(key, group);
      group = undefined;
    }
    if (!group) {
      const sessionId = newSessionId();
      group = {
        context: { sessionId, connection, caller, era, protocolVersion },
        lastActivity: Date.now(),
        active: 0,
      };
      this.groups.set(key, group);
    }
    const joined = group;
    joined.active += 1;
    joined.lastActivity = Date.now();
    let released = false;
    return {
      // The caller of this request (a refreshed token may carry new groups); the group's id.
      context: { ...joined.context, caller, protocolVersion },
      release: () => {
        if (released) return;
        released = true;
        joined.active -= 1;
        joined.lastActivity = Date.now();
      },
    };
  }

  get size(): number {
    return this.groups.size;
  }

  /** Ends every group (gateway shutdown). */
  closeAll(reason: string): void {
    clearInterval(this.sweeper);
    for (const [key, group] of [...this.groups]) {
      this.groups.delete(key);
      this.onEnded(group.context, reason);
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [key, group] of [...this.groups]) {
      if (group.active === 0 && group.lastActivity < cutoff) this.expire(key, group);
    }
  }

  private expire(key: string, group: Group): void {
    this.groups.delete(key);
    this.onEnded(group.context, 'expired');
  }
}
