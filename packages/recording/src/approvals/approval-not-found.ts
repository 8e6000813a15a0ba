import { AirlockError } from '@airlock/core';

/**
 * An approval that does not exist, or that the caller may not see: one answer for both, so that
 * the error never reveals that someone else's held call exists.
 */
export function approvalNotFound(id: string): AirlockError {
  return new AirlockError(
    'approval_not_found',
    `No approval ${id} exists (or it is not yours to see); list them with airlock approvals list.`,
    { data: { approvalId: id } },
  );
}
