import { setTimeout as sleep } from 'node:timers/promises';
import type { ApprovalListView, ApprovalView } from '@airlock/core';
import { AirlockError } from '@airlock/core/client';
import { callAdminApi, type AdminTarget } from '../admin/admin-client.js';
import { APPROVALS_PATH } from './approval-api-path.js';

export interface PollApprovalsOptions {
  /** Between two looks at the list (default 1 s). */
  readonly intervalMs?: number;
  /** Stops the watch (default: never; Ctrl-C ends the process). */
  readonly signal?: AbortSignal;
}

/**
 * Approvals are created by several gateways, each stamping its own clock: a poll asks for those
 * created since the newest one seen minus this margin, and the ids already printed are skipped,
 * so an approval stamped a little earlier than one already seen is still printed.
 */
const CLOCK_MARGIN_MS = 60_000;

/**
 * For a gateway that serves no approvals stream (one without a store, or an older one): prints
 * every pending approval (oldest first), then each new pending one as it arrives: the list
 * is polled with `since` every second. A gateway that cannot be reached is reported once and
 * polled again; any other refusal (an expired token, say) ends the watch with its explanation.
 */
export async function pollApprovals(
  target: AdminTarget,
  print: (view: ApprovalView) => void,
  options: PollApprovalsOptions = {},
): Promise<void> {
  const printed = new Map<string, number>();
  let newest: number | undefined;
  let unreachable = false;
  for (let first = true; options.signal?.aborted !== true; first = false) {
    if (!first)
      await sleep(options.intervalMs ?? 1000, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal?.aborted) return;
    const since = newest === undefined ? undefined : newest - CLOCK_MARGIN_MS;
    let pending: ApprovalView[];
    try {
      pending = await pendingSince(target, since);
    } catch (error) {
      if (first || !AirlockError.is(error, 'internal')) throw error;
      if (!unreachable) process.stderr.write(`airlock: ${error.message} Still trying every second.\n`);
      unreachable = true;
      continue;
    }
    if (unreachable) process.stderr.write('airlock: the gateway answers again.\n');
    unreachable = false;
    const fresh = pending.filter((view) => !printed.has(view.id)).reverse();
    for (const view of fresh) {
      const at = Date.parse(view.requestedAt);
      printed.set(view.id, at);
      newest = Math.max(newest ?? at, at);
      print(view);
    }
    if (first && fresh.length === 0)
      process.stderr.write('No pending approvals; waiting for new ones (Ctrl-C to stop).\n');
    // Ids older than the window are never asked for again: forget them, so a long watch stays small.
    if (since !== undefined) for (const [id, at] of printed) if (at < since) printed.delete(id);
  }
}

/** Every pending approval created after `since` (all of them without), newest first, page by page. */
async function pendingSince(target: AdminTarget, since: number | undefined): Promise<ApprovalView[]> {
  const all: ApprovalView[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ status: 'pending', limit: '500' });
    if (since !== undefined) query.set('since', new Date(since).toISOString());
    if (cursor !== undefined) query.set('cursor', cursor);
    const page = await callAdminApi<ApprovalListView>(target, 'GET', `${APPROVALS_PATH}?${query.toString()}`);
    all.push(...page.approvals);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return all;
}
