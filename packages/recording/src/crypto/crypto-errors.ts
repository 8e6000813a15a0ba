import { AirlockError } from '@airlock/core';

/**
 * Why encrypted recording data could not be read. `tampered` is permanent damage (a GCM tag or a
 * wrapped key failed authentication): the spool quarantines it, the store reports it. The other
 * reasons are about keys and configuration, which an operator can fix, so nothing is quarantined.
 */
export type CryptoFailureReason =
  'tampered' | 'key_missing' | 'wrong_key' | 'key_unavailable' | 'not_configured';

export function cryptoFailure(
  reason: CryptoFailureReason,
  message: string,
  data: Record<string, unknown>,
  cause?: unknown,
): AirlockError {
  const code = reason === 'key_unavailable' ? 'recording_unavailable' : 'internal';
  return new AirlockError(code, message, {
    data: { ...data, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function cryptoFailureReason(error: unknown): CryptoFailureReason | undefined {
  if (!(error instanceof AirlockError)) return undefined;
  const reason = error.data?.['reason'];
  return reason === 'tampered' ||
    reason === 'key_missing' ||
    reason === 'wrong_key' ||
    reason === 'key_unavailable' ||
    reason === 'not_configured'
    ? reason
    : undefined;
}
