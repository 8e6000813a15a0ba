import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffPolicy {
  /** First delay (before jitter). Default 100 ms. */
  readonly baseDelayMs: number;
  /** No delay exceeds this. Default 10 s: an outage is probed at least every 10 s. */
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseDelayMs: 100, maxDelayMs: 10_000 });

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter" — half
 * fixed, half random — so producers throttled together spread out (AWS Architecture Blog,
 * "Exponential Backoff And Jitter") yet the delay still grows with every failure.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Waits, or rejects with the signal's reason as soon as it aborts. */
export async function waitBackoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal ? { signal } : undefined);
}
