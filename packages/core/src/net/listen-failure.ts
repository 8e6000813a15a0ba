import { AirlockError } from '../errors/airlock-error.js';

/** The system's error codes for a listen that failed, found on the error or in its message (gRPC). */
const REASONS = ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'] as const;

/**
 * Why a listener could not open, as `config_invalid` (the fix is a setting, or stopping whatever
 * holds the port), with what to do: `listener` names it ("the gateway's MCP listener"), `address`
 * is host:port, `setting` where to choose another. The system error stays the cause.
 */
export function listenFailure(
  cause: unknown,
  listener: string,
  address: string,
  setting: string,
): AirlockError {
  const error = cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : String(cause);
  const reason = REASONS.find((r) => r === code || message.includes(r));
  const opening = `Cannot open ${listener} on ${address}`;
  const text =
    reason === 'EADDRINUSE'
      ? `${opening}: another process is listening on that port. Stop it, or choose a free port in ${setting}.`
      : reason === 'EACCES'
        ? `${opening}: not permitted (ports below 1024 need privileges). Choose a port above 1023 in ${setting}, or grant the process CAP_NET_BIND_SERVICE.`
        : reason === 'EADDRNOTAVAIL'
          ? `${opening}: that address is not one of this machine's. Set ${setting} to one of its addresses (0.0.0.0 for all).`
          : `${opening} (${code ?? message}); check ${setting}.`;
  return new AirlockError('config_invalid', text, { cause });
}
