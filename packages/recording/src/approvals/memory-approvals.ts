import { castVote, type ApprovalVote } from '@airlock/core';
import { decodeApprovalCursor, encodeApprovalCursor } from './approval-cursor.js';
import { approvalNotFound } from './approval-not-found.js';
import type {
  ApprovalFilter,
  ApprovalPage,
  ApprovalRecord,
  ApprovalStore,
  HeldCallRequest,
  HoldResult,
} from './approval-store.js';
import { effectiveStatus, isJoinable, isVisibleTo } from './approval-view.js';

type Row = { -readonly [K in keyof ApprovalRecord]: ApprovalRecord[K] } & { rememberSeconds: number };

/**
 * Held calls in this process only: for a gateway without a recording store. They do not survive a
 * restart and are not shared with other gateways (the gateway says so at startup).
 */
export class MemoryApprovals implements ApprovalStore {
  private readonly rows = new Map<string, Row>();

  holdCall(request: HeldCallRequest): Promise<HoldResult> {
    const now = request.at;
    let found: Row | undefined;
    for (const row of this.rows.values()) {
      if (row.digest !== request.digest || !isJoinable(row, now)) continue;
      if (found === undefined || row.createdAt > found.createdAt) found = row;
    }
    if (found !== undefined) return Promise.resolve({ approval: this.view(found, now), created: false });
    const row: Row = {
      id: request.id,
      digest: request.digest,
      sessionId: request.sessionId,
      connection: request.connection,
      requester: request.requester,
      method: request.method,
      target: request.target,
      params: request.params,
      rule: request.rule,
      message: request.message,
      requirement: request.requirement,
      status: 'pending',
      votes: [],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + request.holdSeconds * 1000).toISOString(),
      decidedAt: undefined,
      rememberUntil: undefined,
      rememberSeconds: request.rememberSeconds,
      releasedAt: undefined,
      releasedBy: undefined,
      outcome: undefined,
      outcomeAt: undefined,
    };
    this.rows.set(row.id, row);
    return Promise.resolve({ approval: this.view(row, now), created: true });
  }

  getApproval(id: string): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(id);
    return Promise.resolve(row === undefined ? undefined : this.view(row, new Date()));
  }

  listApprovals(filter: ApprovalFilter): Promise<ApprovalPage> {
    const now = new Date();
    let after: { createdAt: string; id: string } | undefined;
    try {
      after = filter.cursor === undefined ? undefined : decodeApprovalCursor(filter.cursor);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const all = [...this.rows.values()]
      .map((row) => this.view(row, now))
      .filter(
        (a) =>
          (filter.status === undefined || a.status === filter.status) &&
          (filter.connection === undefined || a.connection === filter.connection) &&
          (filter.requester === undefined || a.requester.subject === filter.requester) &&
          (filter.viewer === undefined || isVisibleTo(a, filter.viewer)) &&
          (filter.createdAfter === undefined || Date.parse(a.createdAt) > filter.createdAfter.getTime()) &&
          (after === undefined ||
            a.createdAt < after.createdAt ||
            (a.createdAt === after.createdAt && a.id < after.id)),
      )
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt),
      );
    const page = all.slice(0, filter.limit);
    const last = page.at(-1);
    return Promise.resolve({
      approvals: page,
      nextCursor: all.length > filter.limit && last ? encodeApprovalCursor(last) : undefined,
    });
  }

  voteOnApproval(id: string, vote: ApprovalVote, now: Date): Promise<ApprovalRecord> {
    const row = this.rows.get(id);
    if (row === undefined) return Promise.reject(approvalNotFound(id));
    try {
      const tally = castVote({ ...row, requester: row.requester.subject }, vote, now);
      row.votes = tally.votes;
      row.status = tally.status;
      if (tally.status !== 'pending') {
        row.decidedAt = now.toISOString();
        row.rememberUntil = new Date(now.getTime() + row.rememberSeconds * 1000).toISOString();
      }
      return Promise.resolve(this.view(row, now));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  expireApproval(id: string, now: Date): Promise<ApprovalRecord | undefined> {
    const row = this.rows.get(id);
    if (row === undefined) return Promise.resolve(undefined);
    if (effectiveStatus(row.status, row.expiresAt, now) === 'expired' && row.status === 'pending') {
      row.status = 'expired';
      row.decidedAt = now.toISOString();
    }
    return Promise.resolve(this.view(row, now));
  }

  claimRelease(id: string, by: string, now: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (row === undefined || row.status !== 'approved' || row.releasedAt !== undefined)
      return Promise.resolve(false);
    row.releasedAt = now.toISOString();
    row.releasedBy = by;
    return Promise.resolve(true);
  }

  storeOutcome(id: string, outcome: string, now: Date): Promise<void> {
    const row = this.rows.get(id);
    if (row !== undefined && row.outcome === undefined) {
      row.outcome = outcome;
      row.outcomeAt = now.toISOString();
    }
    return Promise.resolve();
  }

  private view(row: Row, now: Date): ApprovalRecord {
    const { rememberSeconds: _rememberSeconds, ...record } = row;
    return { ...record, votes: [...row.votes], status: effectiveStatus(row.status, row.expiresAt, now) };
  }
}
