import type { MessageRecorder, RelayContext } from '@airlock/core';
import type { Logger } from 'pino';

interface OpenGroup {
  readonly context: RelayContext;
  /** Exchanges of the group still running: the group never expires under them. */
  active: number;
  /** When its last exchange ended (performance.now()). */
  idleSince: number;
  /**
   * Armed when the group falls idle and not cleared by the next exchange: when it fires it ends
   * the group, or re-arms for what is left of the idle window. One timer per idle window, not a
   * setTimeout and clearTimeout for every exchange.
   */
  timer: NodeJS.Timeout | undefined;
}

/**
 * The agent's side of the gateway's grouping of modern-era requests: every exchange of a group
 * arrives with the group's session id, so the agent records them on one chain. No exchange says
 * "the group is over", so the agent ends the recording session once no exchange of it has run for
 * the same idle window the gateway uses (`expired`), or at shutdown. A long exchange (a
 * `subscriptions/listen` open for an hour) keeps its group open however long it runs.
 */
export class ModernRecordingSessions {
  private readonly open = new Map<string, OpenGroup>();

  constructor(
    private readonly recorder: MessageRecorder | undefined,
    private readonly idleMs: number,
    private readonly logger: Logger,
  ) {}

  /** An exchange of this group starts; call the returned function when it is over. */
  begin(context: RelayContext): () => void {
    if (!this.recorder) return () => undefined;
    let group = this.open.get(context.sessionId);
    if (!group) {
      group = { context, active: 0, idleSince: 0, timer: undefined };
      this.open.set(context.sessionId, group);
    }
    group.active += 1;
    const joined = group;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      joined.active -= 1;
      if (joined.active > 0 || this.open.get(context.sessionId) !== joined) return;
      joined.idleSince = performance.now();
      if (joined.timer === undefined) this.arm(joined, this.idleMs);
    };
  }

  private arm(group: OpenGroup, delayMs: number): void {
    group.timer = setTimeout(() => {
      group.timer = undefined;
      // Busy again: the exchange that ends last arms the timer anew.
      if (group.active > 0 || this.open.get(group.context.sessionId) !== group) return;
      const leftMs = group.idleSince + this.idleMs - performance.now();
      if (leftMs > 0) this.arm(group, leftMs);
      else void this.end(group.context.sessionId, 'expired');
    }, delayMs);
    group.timer.unref();
  }

  async endAll(reason: string): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.end(id, reason)));
  }

  private async end(sessionId: string, reason: string): Promise<void> {
    const group = this.open.get(sessionId);
    if (!group || !this.recorder) return;
    if (group.timer) clearTimeout(group.timer);
    this.open.delete(sessionId);
    try {
      await this.recorder.end(group.context, reason);
    } catch (error) {
      this.logger.warn({ sessionId, reason: (error as Error).message }, 'Recording the session end failed');
    }
  }
}
