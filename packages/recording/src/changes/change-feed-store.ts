import type { ApprovalFilter, ApprovalRecord } from '../approvals/approval-store.js';
import type { SessionFilter, SessionSummary } from '../store/recording-store.js';
import type { StopWatching, StoreChange } from './store-change.js';

/** The most rows one read of the change feed returns. */
export const MAX_CHANGE_PAGE_SIZE = 500;

/** A read of the change feed: rows changed after `after` (none yet: start from now). */
interface ChangeRead {
  /** The previous read's `cursor`; undefined asks for the current position and no rows. */
  readonly after: string | undefined;
  readonly limit: number;
}

/** Sessions changed after the cursor that match the list filters (no text search, no paging cursor). */
export interface SessionChangeFilter extends Omit<SessionFilter, 'text' | 'cursor' | 'limit'>, ChangeRead {}

export interface ApprovalChangeFilter extends Omit<ApprovalFilter, 'cursor' | 'limit'>, ChangeRead {}

export interface ChangePage<T> {
  /** In the order they changed (oldest change first); a row appears again each time it changes. */
  readonly rows: readonly T[];
  /** Where the next read starts. */
  readonly cursor: string;
  /** More rows are already waiting: read again at once. */
  readonly more: boolean;
}

/**
 * The store as a source of live updates. Rows are read, never pushed: `watchChanges` only says
 * when reading again is worthwhile (see StoreChange), so the store stays the one source of truth.
 */
export interface ChangeFeedStore {
  watchChanges(onChange: (change: StoreChange) => void): Promise<StopWatching>;
  listSessionChanges(filter: SessionChangeFilter): Promise<ChangePage<SessionSummary>>;
  listApprovalChanges(filter: ApprovalChangeFilter): Promise<ChangePage<ApprovalRecord>>;
}
