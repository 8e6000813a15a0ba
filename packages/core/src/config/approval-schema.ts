import { z } from 'zod';

/**
 * How a call held by an `approve` rule is decided. Approvers come from the rule's `approvers`;
 * the person who made the call never approves it, even as a member of an approver group.
 */
export const approvalSchema = z.strictObject({
  /** Approvals from distinct people needed (2 = the two-person rule). One denial decides. */
  required: z.number().int().min(1).max(10).default(1),
  /** Groups that must each be represented among the approvers (e.g. one of `security`). */
  requiredGroups: z.array(z.string().min(1)).default([]),
  /** How long the call is held before it expires (the hold budget). */
  holdSeconds: z.number().int().min(1).max(86_400).default(600),
  /**
   * After a decision, how long a retry of the same call (same digest) is answered from it: the
   * stored outcome of the one execution, or the denial. After that the call needs a new approval.
   */
  rememberSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(3600),
});

export type ApprovalConfig = z.infer<typeof approvalSchema>;
