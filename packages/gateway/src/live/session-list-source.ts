import type { ChangeFeedStore, SessionChangeFilter } from '@airlock/recording';
import type { LiveSource } from './live-stream.js';

/** Sessions per change read: a burst of new sessions is sent in batches of this many. */
const CHANGES_PER_READ = 100;

/**
 * The sessions list, live: every session that starts or changes (counts, status) and matches the
 * filter, as `sessions` events of `{ sessions: SessionSummary[] }`. The caller puts the person's
 * own subject into the filter unless they are an auditor, exactly as the list does.
 */
export function sessionListSource(
  store: Pick<ChangeFeedStore, 'listSessionChanges'>,
  filter: Omit<SessionChangeFilter, 'after' | 'limit'>,
): LiveSource {
  return {
    async read(cursor) {
      const page = await store.listSessionChanges({ ...filter, after: cursor, limit: CHANGES_PER_READ });
      return {
        events: page.rows.length === 0 ? [] : [{ event: 'sessions', data: { sessions: page.rows } }],
        cursor: page.cursor,
        more: page.more,
      };
    },
    wakes: (change) => change.kind !== 'approval',
  };
}

/** A source that never shows anything: a person who filters on someone else's sessions. */
export const NOTHING_SOURCE: LiveSource = {
  read: () => Promise.resolve({ events: [], cursor: 'none', more: false }),
  wakes: () => false,
};
