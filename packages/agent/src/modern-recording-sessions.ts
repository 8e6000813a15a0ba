import type { MessageRecorder, RelayContext } from '@airlock/core';
import type { Logger } from 'pino';

interface OpenGroup {
  readonly context: RelayContext;
  /** Exchanges of the group still running: the group never expires under them. */
  active: number;
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
      group = { context, active: 0, timer: undefined };
      this.open.set(context.sessionId, group);
    }
    if (group.timer) clearTimeout(group.timer);
    group.timer = undefined;
    group.active += 1;
    const joined = group;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      joined.active -= 1;
      if (joined.active > 0 || this.open.get(context.sessionId) !== joined) return;
      joined.timer = setTimeout(() => void this.end(context.sessionId, 'expired'), this.idleMs);
      joined.timer.unref();
    };
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
