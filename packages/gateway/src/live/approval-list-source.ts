import type { ApprovalView } from '@airlock/core';
import type { ApprovalChangeFilter, ApprovalRecord, ChangeFeedStore } from '@airlock/recording';
import type { LiveSource } from './live-stream.js';

/** Approvals per change read (views carry arguments, so fewer than sessions). */
const CHANGES_PER_READ = 50;

/**
 * The approvals list, live: every held call that is created or changes (a vote, the decision,
 * expiry, release) and matches the filter, as `approvals` events of `{ approvals: ApprovalView[] }`.
 * The caller puts the viewer (requester or approver groups) into the filter unless they are an
 * auditor, exactly as the list does.
 */
export function approvalListSource(
  store: Pick<ChangeFeedStore, 'listApprovalChanges'>,
  filter: Omit<ApprovalChangeFilter, 'after' | 'limit'>,
  view: (record: ApprovalRecord) => ApprovalView,
): LiveSource {
  return {
    async read(cursor) {
      const page = await store.listApprovalChanges({ ...filter, after: cursor, limit: CHANGES_PER_READ });
      return {
        events:
          page.rows.length === 0 ? [] : [{ event: 'approvals', data: { approvals: page.rows.map(view) } }],
        cursor: page.cursor,
        more: page.more,
      };
    },
    wakes: (change) => change.kind !== 'session',
  };
}
