/** The gateway's approvals API (see createApprovalsApi in @airlock/gateway). */
export const APPROVALS_PATH = '/api/v1/approvals';

/** `/api/v1/approvals/<id>[/approve|/deny]`, the id encoded as one path segment. */
export function approvalPath(id: string, action?: 'approve' | 'deny'): string {
  return `${APPROVALS_PATH}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}
