export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  readonly intervalMs?: number;
  /**
   * Treat a probe that throws as "not yet" and probe again (the last error becomes the timeout's
   * cause): for probes of a system that is restarting. Default: a throwing probe fails at once.
   */
  readonly retryOnError?: boolean;
}

/**
 * Probes until `probe` gives a value (not undefined) and returns it; throws "timed out waiting
 * for <what>" after `timeoutMs`. For state another process reaches asynchronously (a spool
 * delivered, a store caught up), never for timing assertions.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, retryOnError = false } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (!retryOnError) throw error;
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
