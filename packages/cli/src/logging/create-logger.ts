import { REDACTED_LOG_PATHS } from '@airlock/core';
import { pino, type Logger, type LevelWithSilent } from 'pino';

/**
 * Log lines are written to stderr in batches of at least this many bytes (about 15 per-call
 * lines), or every LOG_FLUSH_INTERVAL_MS. One write per line was a system call (and a libuv
 * thread-pool hop) per relayed call on each role: 6–8 % of the gateway's and the agent's busy time
 * in the relay benchmark's profiles. pino flushes what is left synchronously on exit,
 * including after an uncaught error; a SIGKILL loses at most the last interval's lines.
 */
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;

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
  const destination = pino.destination({ dest: 2, sync: false, minLength: LOG_BATCH_BYTES });
  flushWhileWriting(destination, LOG_FLUSH_INTERVAL_MS);
  return pino(base, destination);
}

/**
 * Flushes `destination` every `intervalMs` while lines arrive or get written, and twice more after
 * (a flush asked for during a write in progress does nothing; a later one writes what is left).
 * sonic-boom's own `periodicFlush` writes even when nothing waits: an empty write to stderr, and a
 * thread-pool hop, every second of an idle role's life.
 */
function flushWhileWriting(destination: ReturnType<typeof pino.destination>, intervalMs: number): void {
  let flushes = 0;
  // Armed by a line, cleared once the flushes after the last one are done: an idle process holds
  // no timer that wakes it every interval for nothing.
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    flushes -= 1;
    if (flushes <= 0) {
      // The last flush of this spell; one that writes something arms the timer again ('write').
      clearInterval(timer);
      timer = undefined;
    }
    destination.flush();
  };
  const pending = (): void => {
    flushes = 2;
    if (timer !== undefined) return;
    timer = setInterval(tick, intervalMs);
    timer.unref();
  };
  const write = destination.write.bind(destination);
  destination.write = (line: string) => {
    pending();
    return write(line);
  };
  // A write that leaves the rest of the batch behind (below minLength) is followed by a flush too.
  destination.on('write', (bytes: number) => {
    if (bytes > 0) pending();
  });
}
