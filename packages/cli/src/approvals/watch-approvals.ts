import type { ApprovalView } from '@airlock/core';
import type { AdminTarget } from '../admin/admin-client.js';
import { followEventStream, servesNoStream } from '../live/follow-event-stream.js';
import { pollApprovals } from './poll-approvals.js';
import { APPROVALS_PATH } from './approval-api-path.js';

export interface WatchApprovalsOptions {
  /** Stops the watch (default: never; Ctrl-C ends the process). */
  readonly signal?: AbortSignal;
}

/**
 * Prints every pending approval (oldest first), then each new pending one as it is held, from the
 * approvals API's live stream (`status=pending`: the calls this person may see and decide). A
 * lost connection is reopened where it stopped; a refusal (an expired login, say) ends the watch
 * with its explanation. Each approval is printed once, however often it changes. A gateway that
 * serves no stream (no store: approvals in memory; or an older gateway) is polled instead.
 */
export async function watchApprovals(
  target: () => Promise<AdminTarget>,
  print: (view: ApprovalView) => void,
  options: WatchApprovalsOptions = {},
): Promise<void> {
  const printed = new Set<string>();
  const show = (views: readonly ApprovalView[]) => {
    for (const view of views) {
      if (view.status !== 'pending' || printed.has(view.id)) continue;
      printed.add(view.id);
      print(view);
    }
  };
  const following = followEventStream(
    target,
    `${APPROVALS_PATH}?status=pending&limit=500`,
    ({ event, data }) => {
      const views = (data as { approvals?: ApprovalView[] }).approvals ?? [];
      if (event === 'snapshot') {
        show([...views].reverse());
        if (views.length === 0)
          process.stderr.write('No pending approvals; waiting for new ones (Ctrl-C to stop).\n');
      } else if (event === 'approvals') show(views);
    },
    {
      ...(options.signal ? { signal: options.signal } : {}),
      onConnection: (state) =>
        process.stderr.write(
          state === 'lost'
            ? 'airlock: cannot reach the gateway; still trying (nothing is missed).\n'
            : 'airlock: the gateway answers again.\n',
        ),
    },
  );
  try {
    await following;
  } catch (error) {
    if (!servesNoStream(error) || printed.size > 0) throw error;
    await pollApprovals(await target(), print, options);
  }
}
