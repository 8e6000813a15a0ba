import type { Caller, MessageRecorder, RecordedAccessGrant } from '@airlock/core';
import type { AccessGrant } from '@airlock/recording';
import type { Logger } from 'pino';

export type GrantLifecycleStep = 'requested' | 'granted' | 'denied' | 'revoked';

/**
 * Records one step of a grant's life (asked, granted, denied, revoked) as its own system session
 * `airlock-access:<grant>:<step>`: one `access` event, then the session's end. Steps may happen on
 * different gateways, and a chain lives in one recorder's memory, so each step is a complete,
 * verifiable chain of its own; the actor is the session's identity (`airlock sessions list`).
 */
export async function recordGrantStep(
  recorder: MessageRecorder,
  grant: AccessGrant,
  step: GrantLifecycleStep,
  actor: Caller,
  logger: Logger,
): Promise<void> {
  if (recorder.recordAccess === undefined) return;
  const context = {
    sessionId: `airlock-access:${grant.id}:${step}`,
    connection: grant.connection,
    caller: actor,
    era: 'legacy' as const,
    protocolVersion: 'none',
  };
  const reason =
    step === 'requested' ? grant.reason : step === 'revoked' ? grant.revokeReason : grant.decisionReason;
  const access: RecordedAccessGrant = {
    grantId: grant.id,
    step,
    connection: grant.connection,
    ...(grant.tools.length > 0 ? { tools: grant.tools } : {}),
    ...(step === 'requested' ? {} : { by: actor.subject }),
    ...(reason === undefined ? {} : { reason }),
    ...(grant.expiresAt === undefined || step === 'requested' || step === 'denied'
      ? {}
      : { expiresAt: grant.expiresAt }),
  };
  try {
    await recorder.recordAccess(context, access, Date.now());
    await recorder.end(context, 'completed');
  } catch (error) {
    // The step is stored either way; a recording that cannot be written is the spool's alarm.
    logger.warn({ err: error, grantId: grant.id, step }, 'Recording an access grant step failed');
  }
}
