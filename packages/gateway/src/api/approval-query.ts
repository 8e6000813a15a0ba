import { AirlockError, type ApprovalStatus } from '@airlock/core';
import { MAX_APPROVAL_PAGE_SIZE, type ApprovalFilter } from '@airlock/recording';
import { limitParam } from './limit-param.js';
import { singleParam } from './single-param.js';

export const DEFAULT_APPROVAL_PAGE_SIZE = 50;
const STATUSES = ['pending', 'approved', 'denied', 'expired', 'all'] as const;
const KNOWN = new Set(['status', 'connection', 'requester', 'limit', 'cursor', 'since']);

/**
 * `GET /api/v1/approvals?status&connection&requester&limit&cursor&since` as a store filter.
 * `status` defaults to pending (what an approver acts on); `all` lists every status. Unknown or
 * malformed parameters are refused: a typo must not silently widen the list.
 */
export function parseApprovalQuery(params: URLSearchParams): ApprovalFilter {
  for (const key of params.keys()) {
    if (!KNOWN.has(key)) {
      throw new AirlockError(
        'invalid_params',
        `Unknown approvals filter "${key}"; use ${[...KNOWN].join(', ')}.`,
      );
    }
  }
  const status = singleParam(params, 'status') ?? 'pending';
  if (!(STATUSES as readonly string[]).includes(status)) {
    throw new AirlockError('invalid_params', `"status" is one of ${STATUSES.join(', ')} (got "${status}").`);
  }
  const since = singleParam(params, 'since');
  const sinceMs = since === undefined ? undefined : Date.parse(since);
  if (sinceMs !== undefined && !Number.isFinite(sinceMs)) {
    throw new AirlockError(
      'invalid_params',
      `"since" is not a time: give ISO-8601, e.g. 2026-01-31T09:00:00Z (got "${since}").`,
    );
  }
  return {
    status: status === 'all' ? undefined : (status as ApprovalStatus),
    connection: singleParam(params, 'connection'),
    requester: singleParam(params, 'requester'),
    createdAfter: sinceMs === undefined ? undefined : new Date(sinceMs),
    cursor: singleParam(params, 'cursor'),
    limit: limitParam(params, DEFAULT_APPROVAL_PAGE_SIZE, MAX_APPROVAL_PAGE_SIZE),
  };
}
