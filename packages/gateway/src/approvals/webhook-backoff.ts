export interface WebhookBackoff {
  /** The delay before the first retry (before jitter). Default 1 s. */
  readonly baseMs: number;
  /** No delay exceeds this, a receiver's Retry-After included. Default 60 s. */
  readonly maxMs: number;
}

export const DEFAULT_WEBHOOK_BACKOFF: WebhookBackoff = Object.freeze({ baseMs: 1000, maxMs: 60_000 });

/**
 * The delay after failed attempt number `attempt` (1-based): base × 2^(attempt-1), capped, with
 * "equal jitter" (half fixed, half random) so gateways that lost the same receiver do not all come
 * back at once (AWS Architecture Blog, "Exponential Backoff And Jitter"). A receiver's Retry-After
 * (seconds or an HTTP date) wins, bounded by `maxMs` so one answer cannot park a delivery for hours.
 */
export function retryDelayMs(
  attempt: number,
  backoff: WebhookBackoff,
  retryAfter: string | null | undefined,
  now: number = Date.now(),
  random: () => number = Math.random,
): number {
  const asked = retryAfterMs(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, backoff.maxMs);
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** RFC 9110 §10.2.3: a number of seconds, or an HTTP date; anything else is ignored. */
function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
