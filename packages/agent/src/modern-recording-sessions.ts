import type { MessageRecorder, RelayContext } from '@airlock/core';
import type { Logger } from 'pino';

/**
 * The agent's side of the gateway's grouping of modern-era requests: every exchange of a group
 * arrives with the group's session id, so the agent records them on one chain. No exchange says
 * "the group is over", so the agent ends the recording session after the same idle window the
 * gateway uses (`expired`), or at shutdown.
 */
export class ModernRecordingSessions {
  private readonly open = new Map<string, { context: RelayContext; timer: NodeJS.Timeout }>();

  constructor(
    private readonly recorder: MessageRecorder | undefined,
    private readonly idleMs: number,
    private readonly logger: Logger,
  ) {}

  /** An exchange of this group started or finished: the idle window starts again. */
  touch(context: RelayContext): void {
    if (!this.recorder) return;
    const current = this.open.get(context.sessionId);
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => void this.end(context.sessionId, 'expired'), this.idleMs);
    timer.unref();
    this.open.set(context.sessionId, { context, timer });
  }

  async endAll(reason: string): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.end(id, reason)));
  }

  private async end(sessionId: string, reason: string): Promise<void> {
    const entry = this.open.get(sessionId);
    if (!entry || !this.recorder) return;
    clearTimeout(entry.timer);
    this.open.delete(sessionId);
    try {
      await this.recorder.end(entry.context, reason);
    } catch (error) {
      this.logger.warn({ sessionId, reason: (error as Error).message }, 'Recording the session end failed');
    }
  }
}
