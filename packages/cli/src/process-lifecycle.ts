import { AirlockError } from '@airlock/core/client';
import type { Logger } from 'pino';

/**
 * Runs until SIGINT/SIGTERM, then stops gracefully; a second signal exits at once.
 * Uncaught failures are logged (without secrets, by the logger's redaction) and exit non-zero.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'did not stop cleanly');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Prints a startup failure the way an operator needs it: what happened, what to do. */
export function reportStartupFailure(error: unknown): never {
  const failure = AirlockError.from(error);
  process.stderr.write(`airlock: ${failure.message}\n`);
  if (failure.code === 'internal' && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exit(failure.code === 'config_invalid' ? 2 : 1);
}
