import type { ApprovalRecord } from '@airlock/recording';
import type { Logger } from 'pino';

export type ApprovalDecisionListener = (approval: ApprovalRecord) => void;

/**
 * Decisions made through this gateway's approvals API, announced in process: the relay holding
 * the call here wakes at once instead of at its next look at the store. Decisions made on another
 * gateway are not announced here; the store stays the truth, this only saves a wait.
 */
export class ApprovalDecisions {
  readonly #listeners = new Set<ApprovalDecisionListener>();

  constructor(private readonly logger: Logger) {}

  /** Calls `listener` with each decided approval; returns the function that stops it. */
  subscribe(listener: ApprovalDecisionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener; one that throws is logged and does not stop the others. */
  publish(approval: ApprovalRecord): void {
    for (const listener of this.#listeners) {
      try {
        listener(approval);
      } catch (error) {
        this.logger.error({ err: error, approvalId: approval.id }, 'approval decision listener failed');
      }
    }
  }
}
