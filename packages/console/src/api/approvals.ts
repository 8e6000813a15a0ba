import type { ApprovalListView, ApprovalView } from '@airlock/core';
import { callApi, query } from './api-client.js';

const APPROVALS_API = '/api/v1/approvals';

/** `GET /api/v1/approvals`: the held calls this person may see (as requester, approver or auditor). */
export function listApprovals(status: 'pending' | 'all', limit = 50): Promise<ApprovalListView> {
  return callApi(`${APPROVALS_API}${query({ status, limit })}`);
}

/** One vote, as `airlock approvals approve|deny` casts it. */
export function decide(id: string, decision: 'approve' | 'deny', reason: string): Promise<ApprovalView> {
  return callApi(`${APPROVALS_API}/${encodeURIComponent(id)}/${decision}`, {
    method: 'POST',
    body: reason === '' ? {} : { reason },
  });
}
