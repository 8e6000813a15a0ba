import { describe, expect, it } from 'vitest';
import type { AirlockError } from '../../src/index.js';
import { castVote, type ApprovalBallot, type ApprovalVote } from '../../src/index.js';

const now = new Date('2026-12-04T10:00:00Z');
const ballot = (overrides: Partial<ApprovalBallot> = {}): ApprovalBallot => ({
  id: 'apr_1',
  status: 'pending',
  requester: 'alice',
  requirement: { approverGroups: ['sre-leads', 'security'], required: 1, requiredGroups: [] },
  votes: [],
  expiresAt: '2026-12-04T10:10:00Z',
  ...overrides,
});
const vote = (by: string, groups: string[], decision: 'approve' | 'deny' = 'approve'): ApprovalVote => ({
  by,
  groups,
  decision,
  at: now.toISOString(),
});

function refusal(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return { code: (error as AirlockError).code, message: (error as AirlockError).message };
  }
}

describe('castVote', () => {
  it('approves with one approver from an approver group, and one denial decides', () => {
    expect(castVote(ballot(), vote('bob', ['sre-leads']), now).status).toBe('approved');
    expect(castVote(ballot(), vote('bob', ['security'], 'deny'), now).status).toBe('denied');
  });

  it('never lets the requester decide their own call, even in an approver group', () => {
    expect(refusal(() => castVote(ballot(), vote('alice', ['sre-leads']), now))).toMatchObject({
      code: 'approval_forbidden',
      message: expect.stringContaining('someone else') as string,
    });
  });

  it('refuses someone outside the approver groups', () => {
    expect(refusal(() => castVote(ballot(), vote('carol', ['contractors']), now))?.code).toBe(
      'approval_forbidden',
    );
  });

  it('needs N distinct people for an N-person rule, and each required group', () => {
    const twoPerson = ballot({
      requirement: { approverGroups: ['sre-leads', 'security'], required: 2, requiredGroups: ['security'] },
    });
    const first = castVote(twoPerson, vote('bob', ['sre-leads']), now);
    expect(first.status).toBe('pending');
    // The same person twice does not count twice.
    expect(
      refusal(() => castVote({ ...twoPerson, votes: first.votes }, vote('bob', ['sre-leads']), now))?.code,
    ).toBe('approval_decided');
    // Two people, but no one from security yet: still pending.
    const second = castVote({ ...twoPerson, votes: first.votes }, vote('dave', ['sre-leads']), now);
    expect(second.status).toBe('pending');
    const third = castVote({ ...twoPerson, votes: second.votes }, vote('erin', ['security']), now);
    expect(third.status).toBe('approved');
    expect(third.votes.map((v) => v.by)).toEqual(['bob', 'dave', 'erin']);
  });

  it('refuses a vote on a decided or expired approval, changing nothing', () => {
    expect(refusal(() => castVote(ballot({ status: 'denied' }), vote('bob', ['sre-leads']), now))?.code).toBe(
      'approval_decided',
    );
    const late = new Date('2026-12-04T10:10:00Z');
    expect(refusal(() => castVote(ballot(), vote('bob', ['sre-leads']), late))).toMatchObject({
      code: 'approval_decided',
      message: expect.stringContaining('expired') as string,
    });
  });
});
