import { AirlockError } from '@airlock/core';
import type { AccessDecision, AccessGrant, AccessGrantStatus } from './access-grant-store.js';

/** A granted grant past its `expiresAt` reads as `expired`; every other status is as stored. */
export function grantStatusAt(
  stored: AccessGrantStatus,
  expiresAt: string | undefined,
  now: Date,
): AccessGrantStatus {
  if (stored === 'granted' && expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime())
    return 'expired';
  return stored;
}

export function grantNotFound(id: string): AirlockError {
  return new AirlockError(
    'access_grant_not_found',
    `No access request ${id} exists (or it is not yours to see); list them with airlock access list.`,
    { data: { grantId: id } },
  );
}

/** A decision on a request that is no longer `requested`: the first decision stands. */
export function requestAlreadyDecided(grant: AccessGrant): AirlockError {
  const by = grant.decidedBy === undefined ? '' : ` by ${grant.decidedBy}`;
  return new AirlockError(
    'approval_decided',
    `Access request ${grant.id} was already decided (${grant.status}${by}${grant.decidedAt ? ` at ${grant.decidedAt}` : ''}); a request is decided once. Ask the requester to make a new request if access is still needed.`,
    { data: { grantId: grant.id, status: grant.status } },
  );
}

/** A revoke of a grant that is not in force (never granted, denied, already revoked or expired). */
export function grantNotInForce(grant: AccessGrant): AirlockError {
  return new AirlockError(
    'approval_decided',
    `Grant ${grant.id} is ${grant.status}, not in force, so there is nothing to revoke. List grants in force with airlock access list --status granted.`,
    { data: { grantId: grant.id, status: grant.status } },
  );
}

/** The stored status a decision leads to. */
export const statusOfDecision = (decision: AccessDecision): 'granted' | 'denied' =>
  decision.decision === 'grant' ? 'granted' : 'denied';
