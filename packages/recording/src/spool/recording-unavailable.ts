import { AirlockError } from '@airlock/core';

/**
 * The error a strict recorder surfaces when the spool cannot take an event: the relay turns it
 * into a refusal of the call (HTTP 503, JSON-RPC -32007), which is how strict mode fails closed.
 */
export function recordingUnavailable(dir: string, cause: unknown, what = 'writing'): AirlockError {
  const code = errnoCode(cause);
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `(disk full?)`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `(no permission, or a read-only file system?)`
        : code === 'EIO'
          ? `(the disk reported an I/O error)`
          : '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AirlockError(
    'recording_unavailable',
    `Could not record the message: ${what} the recording spool in ${dir} failed: ${detail} ${hint}`.trimEnd() +
      `; the call was refused because recording is strict. Free space in ${dir} or fix its permissions; ` +
      `calls are accepted again as soon as the spool can write.`,
    { cause, data: { spool: dir, ...(code ? { errno: code } : {}) } },
  );
}

function errnoCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The spool cannot be opened at startup: the process should not start recording-less. */
export function spoolUnusable(dir: string, cause: unknown): AirlockError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const code = errnoCode(cause);
  return new AirlockError(
    'recording_unavailable',
    `Could not open the recording spool in ${dir}: ${detail}. Make sure the directory (or its parent) ` +
      `exists, is writable by this process and has free space.`,
    { cause, data: { spool: dir, ...(code ? { errno: code } : {}) } },
  );
}
