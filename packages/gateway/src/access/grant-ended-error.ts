import { accessRequestCommand, AirlockError } from '@airlock/core';
import type { GrantEnd } from './grant-book.js';

/**
 * What the client of a session that existed only because of a grant hears when the grant ends:
 * which grant, which connection, when and why, and how to ask again.
 */
export function grantEndedError(end: GrantEnd): AirlockError {
  const { grant } = end;
  const how =
    end.why === 'revoked'
      ? `was revoked${end.by ? ` by ${end.by}` : ''} at ${end.at}${end.reason ? ` (${end.reason})` : ''}`
      : `expired at ${end.at}`;
  return new AirlockError(
    'access_grant_ended',
    `Your just-in-time access to connection "${grant.connection}" (grant ${grant.id}) ${how}. This session existed only because of that grant, so it has ended. To ask again: ${accessRequestCommand(grant.connection)}`,
    {
      data: {
        grantId: grant.id,
        connection: grant.connection,
        endedAt: end.at,
        why: end.why,
        endReason: end.why,
      },
    },
  );
}
