import { randomUUID } from 'node:crypto';
import type { ApprovalRequirement, ApprovalVote } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalStore, HeldCallRequest } from '../../../src/index.js';

export interface OpenedApprovals {
  readonly store: ApprovalStore;
  close(): Promise<void>;
}

const SRE: ApprovalRequirement = { approverGroups: ['sre'], required: 1, requiredGroups: [] };

/** A held call by alice (group dev) on `connection`, starting at `at`; every field overridable. */
export function heldCall(overrides: Partial<HeldCallRequest> = {}): HeldCallRequest {
  return {
    id: `apr-${randomUUID()}`,
    digest: `digest-${randomUUID()}`,
    sessionId: 'sess-1',
    connection: 'prod-db',
    requester: { subject: 'alice', email: 'alice@example.com', groups: ['dev'] },
    method: 'tools/call',
    target: 'run_sql',
    params: JSON.stringify({ name: 'run_sql', arguments: { sql: 'DELETE FROM users' } }),
    rule: 'destructive-sql',
    message: 'Destructive SQL needs an SRE',
    requirement: SRE,
    holdSeconds: 600,
    rememberSeconds: 300,
    at: new Date(),
    ...overrides,
  };
}

export function vote(by: string, groups: string[], decision: 'approve' | 'deny', at: Date): ApprovalVote {
  return {
    by,
    groups,
    decision,
    reason: decision === 'deny' ? `${by} says no` : undefined,
    at: at.toISOString(),
  };
}

const seconds = (at: Date, n: number): Date => new Date(at.getTime() + n * 1000);

async function refusal(work: Promise<unknown>): Promise<{ code: string; data: unknown; message: string }> {
  try {
    await work;
  } catch (error) {
    const { code, data, message } = error as { code: string; data: unknown; message: string };
    return { code, data, message };
  }
  throw new Error('expected a refusal');
}

/**
 * What every ApprovalStore does, the memory one being the reference: the same cases run against
 * memory, PGlite (in-process and in its worker thread) and PostgreSQL.
 */
export function approvalStoreContract(name: string, open: () => Promise<OpenedApprovals>): void {
  describe(`ApprovalStore (${name})`, () => {
    let opened: OpenedApprovals;
    const store = (): ApprovalStore => opened.store;
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    describe('holding a call by its digest', () => {
      it('creates one approval and lets a retry of the same digest join it while pending', async () => {
        const first = heldCall();
        const created = await store().holdCall(first);
        expect(created.created).toBe(true);
        expect(created.approval).toMatchObject({
          id: first.id,
          status: 'pending',
          votes: [],
          requester: first.requester,
          requirement: SRE,
          params: first.params,
          message: first.message,
          createdAt: first.at.toISOString(),
          expiresAt: seconds(first.at, 600).toISOString(),
          decidedAt: undefined,
          releasedAt: undefined,
          outcome: undefined,
        });
        const retry = await store().holdCall(heldCall({ digest: first.digest, at: seconds(first.at, 30) }));
        expect(retry).toMatchObject({ created: false, approval: { id: first.id, status: 'pending' } });
        const other = await store().holdCall(heldCall({ at: first.at }));
        expect(other.created).toBe(true);
        expect(other.approval.id).not.toBe(first.id);
        expect(await store().getApproval(first.id)).toEqual(created.approval);
      });

      it('answers a retry from a decision within the remember window, and asks again after it', async () => {
        for (const decision of ['approve', 'deny'] as const) {
          const call = heldCall();
          await store().holdCall(call);
          const decidedAt = seconds(call.at, 10);
          await store().voteOnApproval(call.id, vote('bob', ['sre'], decision, decidedAt), decidedAt);
          const within = await store().holdCall(
            heldCall({ digest: call.digest, at: seconds(decidedAt, 299) }),
          );
          expect(within).toMatchObject({
            created: false,
            approval: { id: call.id, status: decision === 'approve' ? 'approved' : 'denied' },
          });
          const after = await store().holdCall(
            heldCall({ digest: call.digest, at: seconds(decidedAt, 300) }),
          );
          expect(after.created).toBe(true);
          expect(after.approval).toMatchObject({ status: 'pending', votes: [] });
        }
      });

      it('holds a call whose tool name and identity carry characters PostgreSQL text refuses', async () => {
        const call = heldCall({
          target: 'run\u0000sql',
          requester: { subject: 'alice\u0000', email: undefined, groups: ['dev\uD800'] },
          params: JSON.stringify({ name: 'run\u0000sql', arguments: { q: '\u0000' } }),
        });
        const held = await store().holdCall(call);
        expect(held.created).toBe(true);
        expect(held.approval.params).toBe(call.params);
        // Stored as U+FFFD where the engine cannot keep them; the votes still count.
        expect(['run\u0000sql', 'run\uFFFDsql']).toContain(held.approval.target);
        const at = seconds(call.at, 1);
        const voted = await store().voteOnApproval(call.id, vote('bob\u0000', ['sre'], 'approve', at), at);
        expect(voted.status).toBe('approved');
      });

      it('never joins an expired approval: the retry asks again', async () => {
        const call = heldCall({ holdSeconds: 5, at: new Date(Date.now() - 60_000) });
        await store().holdCall(call);
        const late = await store().holdCall(heldCall({ digest: call.digest, at: seconds(call.at, 5) }));
        expect(late.created).toBe(true);
        expect((await store().getApproval(call.id))?.status).toBe('expired');
        // Marked expired explicitly, too: still never joined.
        const marked = heldCall({ holdSeconds: 5 });
        await store().holdCall(marked);
        expect(await store().expireApproval(marked.id, seconds(marked.at, 2))).toMatchObject({
          status: 'pending',
        });
        expect(await store().expireApproval(marked.id, seconds(marked.at, 6))).toMatchObject({
          status: 'expired',
          decidedAt: seconds(marked.at, 6).toISOString(),
        });
        const again = await store().holdCall(heldCall({ digest: marked.digest, at: seconds(marked.at, 7) }));
        expect(again.created).toBe(true);
      });
    });

    describe('votes', () => {
      it('keeps the two-person rule: distinct approvers, never the requester, only approver groups', async () => {
        const call = heldCall({ requirement: { approverGroups: ['sre'], required: 2, requiredGroups: [] } });
        await store().holdCall(call);
        const at = seconds(call.at, 1);
        const one = await store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at);
        expect(one).toMatchObject({ status: 'pending', decidedAt: undefined });
        expect(one.votes.map((v) => [v.by, v.decision])).toEqual([['bob', 'approve']]);

        const self = await refusal(
          store().voteOnApproval(call.id, vote('alice', ['sre', 'dev'], 'approve', at), at),
        );
        expect(self).toMatchObject({ code: 'approval_forbidden', data: { approvalId: call.id } });
        const outsider = await refusal(
          store().voteOnApproval(call.id, vote('mallory', ['dev'], 'approve', at), at),
        );
        expect(outsider).toMatchObject({ code: 'approval_forbidden', data: { approvalId: call.id } });
        const twice = await refusal(store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at));
        expect(twice).toMatchObject({ code: 'approval_decided', data: { approvalId: call.id } });
        expect((await store().getApproval(call.id))?.votes).toHaveLength(1);

        const decidedAt = seconds(call.at, 2);
        const two = await store().voteOnApproval(
          call.id,
          vote('carol', ['sre'], 'approve', decidedAt),
          decidedAt,
        );
        expect(two).toMatchObject({
          status: 'approved',
          decidedAt: decidedAt.toISOString(),
          rememberUntil: seconds(decidedAt, 300).toISOString(),
        });
        expect(two.votes.map((v) => v.by)).toEqual(['bob', 'carol']);
        const decided = await refusal(
          store().voteOnApproval(call.id, vote('dave', ['sre'], 'deny', decidedAt), decidedAt),
        );
        expect(decided.code).toBe('approval_decided');
        expect(await store().getApproval(call.id)).toMatchObject({ status: 'approved' });
      });

      it('waits for every required group', async () => {
        const call = heldCall({
          requirement: { approverGroups: ['sre', 'security'], required: 2, requiredGroups: ['security'] },
        });
        await store().holdCall(call);
        const at = seconds(call.at, 1);
        await store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at);
        const noSecurity = await store().voteOnApproval(call.id, vote('carol', ['sre'], 'approve', at), at);
        expect(noSecurity.status).toBe('pending');
        const withSecurity = await store().voteOnApproval(
          call.id,
          vote('erin', ['security'], 'approve', at),
          at,
        );
        expect(withSecurity.status).toBe('approved');
      });

      it('lets one denial decide, with its reason', async () => {
        const call = heldCall({ requirement: { approverGroups: ['sre'], required: 3, requiredGroups: [] } });
        await store().holdCall(call);
        const at = seconds(call.at, 1);
        const denied = await store().voteOnApproval(call.id, vote('bob', ['sre'], 'deny', at), at);
        expect(denied).toMatchObject({ status: 'denied', decidedAt: at.toISOString() });
        expect(denied.votes[0]).toMatchObject({ by: 'bob', decision: 'deny', reason: 'bob says no' });
        expect(await store().claimRelease(call.id, 'gw-1', at)).toBe(false);
      });

      it('refuses a vote after the hold expired, changing nothing', async () => {
        const call = heldCall({ holdSeconds: 5, at: new Date(Date.now() - 60_000) });
        await store().holdCall(call);
        const late = seconds(call.at, 5);
        const refused = await refusal(
          store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', late), late),
        );
        expect(refused.code).toBe('approval_decided');
        expect(await store().getApproval(call.id)).toMatchObject({ status: 'expired', votes: [] });
      });

      it('answers an unknown id with approval_not_found (or nothing)', async () => {
        const at = new Date();
        const missing = await refusal(
          store().voteOnApproval('apr-nope', vote('bob', ['sre'], 'approve', at), at),
        );
        expect(missing).toMatchObject({ code: 'approval_not_found', data: { approvalId: 'apr-nope' } });
        expect(await store().getApproval('apr-nope')).toBeUndefined();
        expect(await store().expireApproval('apr-nope', at)).toBeUndefined();
        expect(await store().claimRelease('apr-nope', 'gw-1', at)).toBe(false);
        await store().storeOutcome('apr-nope', '{}', at);
      });
    });

    describe('releasing an approved call', () => {
      it('claims the release exactly once, even with ten claims at once', async () => {
        const call = heldCall();
        await store().holdCall(call);
        const at = seconds(call.at, 1);
        expect(await store().claimRelease(call.id, 'gw-0', at)).toBe(false);
        await store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at);
        const claims = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store().claimRelease(call.id, `gw-${i}`, at)),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        const winner = `gw-${claims.indexOf(true)}`;
        expect(await store().claimRelease(call.id, 'gw-late', at)).toBe(false);
        expect(await store().getApproval(call.id)).toMatchObject({
          releasedAt: at.toISOString(),
          releasedBy: winner,
        });
      });

      it('keeps the first outcome stored', async () => {
        const call = heldCall();
        await store().holdCall(call);
        const at = seconds(call.at, 1);
        await store().voteOnApproval(call.id, vote('bob', ['sre'], 'approve', at), at);
        await store().claimRelease(call.id, 'gw-1', at);
        const first = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { content: [] } });
        await store().storeOutcome(call.id, first, seconds(at, 1));
        await store().storeOutcome(call.id, '{"jsonrpc":"2.0","id":7,"error":{}}', seconds(at, 2));
        expect(await store().getApproval(call.id)).toMatchObject({
          outcome: first,
          outcomeAt: seconds(at, 1).toISOString(),
        });
        // A retry within the remember window finds the outcome on the approval it joins.
        const retry = await store().holdCall(heldCall({ digest: call.digest, at: seconds(at, 3) }));
        expect(retry.approval.outcome).toBe(first);
      });
    });

    describe('listing', () => {
      it('filters by status, connection, requester and creation time, newest first, page by page', async () => {
        const connection = `list-${randomUUID()}`;
        const t0 = new Date(Date.now() - 60_000);
        const at = (n: number): Date => seconds(t0, n);
        const pending = [1, 2, 3, 4].map((n) =>
          heldCall({ connection, at: at(n), id: `apr-list-${connection}-${n}` }),
        );
        for (const call of pending) await store().holdCall(call);
        // Created at t0+0 with a 10 s hold: pending in the table, long expired by now.
        const stale = heldCall({ connection, at: at(0), holdSeconds: 10, id: `apr-list-${connection}-0` });
        await store().holdCall(stale);
        const carols = heldCall({
          connection,
          at: at(5),
          requester: { subject: 'carol', groups: ['dev'] },
          id: `apr-list-${connection}-5`,
        });
        await store().holdCall(carols);
        await store().voteOnApproval(pending[0]!.id, vote('bob', ['sre'], 'approve', at(6)), at(6));
        await store().voteOnApproval(pending[1]!.id, vote('bob', ['sre'], 'deny', at(6)), at(6));
        await store().holdCall(heldCall({ connection: `${connection}-other`, at: at(7) }));

        const ids = async (filter: Parameters<ApprovalStore['listApprovals']>[0]) =>
          (await store().listApprovals(filter)).approvals.map((a) => a.id);
        const id = (n: number): string => `apr-list-${connection}-${n}`;
        expect(await ids({ connection, limit: 50 })).toEqual([5, 4, 3, 2, 1, 0].map(id));
        expect(await ids({ connection, status: 'pending', limit: 50 })).toEqual([5, 4, 3].map(id));
        expect(await ids({ connection, status: 'expired', limit: 50 })).toEqual([id(0)]);
        expect(await ids({ connection, status: 'approved', limit: 50 })).toEqual([id(1)]);
        expect(await ids({ connection, status: 'denied', limit: 50 })).toEqual([id(2)]);
        expect(await ids({ connection, requester: 'carol', limit: 50 })).toEqual([id(5)]);
        expect(await ids({ connection, createdAfter: at(3), limit: 50 })).toEqual([5, 4].map(id));
        const listed = (await store().listApprovals({ connection, status: 'expired', limit: 1 }))
          .approvals[0];
        expect(listed?.status).toBe('expired');

        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store().listApprovals({ connection, limit: 4, cursor });
          pages.push(page.approvals.map((a) => a.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        expect(pages).toEqual([[5, 4, 3, 2].map(id), [1, 0].map(id)]);
        const exact = await store().listApprovals({ connection, limit: 6 });
        expect(exact.nextCursor).toBeUndefined();

        // A viewer sees their own calls and those their groups decide; nobody else's.
        const ops = heldCall({
          connection,
          at: at(8),
          id: id(8),
          requirement: { approverGroups: ['ops', 'dba'], required: 1, requiredGroups: [] },
        });
        await store().holdCall(ops);
        expect(await ids({ connection, viewer: { subject: 'carol', groups: ['dev'] }, limit: 50 })).toEqual([
          id(5),
        ]);
        expect(
          await ids({ connection, viewer: { subject: 'zed', groups: ['x', 'dba'] }, limit: 50 }),
        ).toEqual([id(8)]);
        expect(await ids({ connection, viewer: { subject: 'zed', groups: [] }, limit: 50 })).toEqual([]);
        expect(
          await ids({
            connection,
            viewer: { subject: 'sam', groups: ['sre'] },
            status: 'pending',
            limit: 50,
          }),
        ).toEqual([5, 4, 3].map(id));

        const bad = await refusal(store().listApprovals({ connection, limit: 4, cursor: 'not-a-cursor' }));
        expect(bad.code).toBe('invalid_params');
      });
    });
  });
}
