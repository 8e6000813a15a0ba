import type { SessionStatus } from './recording-store.js';

/**
 * End reasons that close a session normally; any other reason (agent lost, upstream crashed, an
 * unknown reason from a newer producer) marks it `failed`, so an auditor filtering on failures sees
 * everything that did not end as planned.
 */
export const NORMAL_END_REASONS: readonly string[] = ['client_closed', 'expired', 'revoked', 'completed'];

/** `client closed`, `Client-Closed` and `client_closed` are the same reason. */
function normalizeReason(reason: string): string {
  return reason
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function statusForEndReason(reason: string): Exclude<SessionStatus, 'open'> {
  return NORMAL_END_REASONS.includes(normalizeReason(reason)) ? 'ended' : 'failed';
}
