import { describe, expect, it } from 'vitest';
import {
  approvalNeeds,
  requirementMet,
  type ApprovalRequirement,
  type ApprovalVote,
} from '../../src/index.js';

const approve = (by: string, groups: string[]): ApprovalVote => ({
  by,
  groups,
  decision: 'approve',
  at: '2026-12-01T10:00:00.000Z',
});

describe('approvalNeeds', () => {
  const requirement: ApprovalRequirement = {
    approverGroups: ['sre', 'sre-leads'],
    required: 2,
    requiredGroups: ['sre-leads'],
  };

  it('counts the distinct approvers and the required groups still missing', () => {
    expect(approvalNeeds(requirement, [])).toEqual({ approvals: 2, groups: ['sre-leads'] });
    expect(approvalNeeds(requirement, [approve('bob', ['sre'])])).toEqual({
      approvals: 1,
      groups: ['sre-leads'],
    });
    // The same person twice is one approver.
    expect(approvalNeeds(requirement, [approve('bob', ['sre']), approve('bob', ['sre'])]).approvals).toBe(1);
    expect(approvalNeeds(requirement, [approve('bob', ['sre']), approve('carol', ['sre'])])).toEqual({
      approvals: 0,
      groups: ['sre-leads'],
    });
    const met = [approve('bob', ['sre']), approve('dana', ['sre-leads'])];
    expect(approvalNeeds(requirement, met)).toEqual({ approvals: 0, groups: [] });
    expect(requirementMet(requirement, met)).toBe(true);
  });

  it('treats a requirement of zero people as one, like requirementMet', () => {
    const one: ApprovalRequirement = { approverGroups: ['sre'], required: 0, requiredGroups: [] };
    expect(approvalNeeds(one, [])).toEqual({ approvals: 1, groups: [] });
    expect(approvalNeeds(one, [{ ...approve('bob', ['sre']), decision: 'deny' }]).approvals).toBe(1);
  });
});
