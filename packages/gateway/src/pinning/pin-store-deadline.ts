import { AirlockError } from '@airlock/core';

/**
 * Resolves with what the pin store answered, or rejects with `recording_unavailable` once
 * `deadlineMs` have passed without an answer (the store's work goes on; its late answer is
 * dropped). A store failure is passed on as the same code, naming `what` was asked.
 */
export function pinStoreAnswer<T>(work: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AirlockError(
            'recording_unavailable',
            `The recording store did not answer within ${deadlineMs / 1000} s when tool pinning ${what}.`,
          ),
        ),
      deadlineMs,
    );
  });
  const answered = work.catch((cause: unknown) => {
    throw new AirlockError(
      'recording_unavailable',
      `The recording store failed when tool pinning ${what}: ${cause instanceof Error ? cause.message : String(cause)}.`,
      { cause },
    );
  });
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}
