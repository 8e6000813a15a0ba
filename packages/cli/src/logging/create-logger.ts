import { REDACTED_LOG_PATHS } from '@airlock/core';
import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * The process logger: JSON lines on stderr (stdout belongs to command output and, for
 * `airlock connect`, to the MCP stdio stream), pretty when stderr is a terminal.
 * Secrets are redacted by path whatever the caller logs.
 */
export function createLogger(
  level: LevelWithSilent,
  options: { pretty?: boolean; name?: string } = {},
): Logger {
  const pretty = options.pretty ?? (process.stderr.isTTY && !process.env['CI']);
  const base = {
    level,
    name: options.name ?? 'airlock',
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
  };
  if (pretty) {
    return pino(
      base,
      pino.transport({
        target: 'pino-pretty',
        options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      }),
    );
  }
  return pino(base, pino.destination({ dest: 2, sync: false }));
}
