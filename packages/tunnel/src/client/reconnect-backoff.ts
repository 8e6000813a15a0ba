export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay up to the exponential ceiling),
 * so a fleet of agents cut off together does not reconnect together.
 */
export class ReconnectBackoff {
  readonly #policy: ReconnectPolicy;
  readonly #random: () => number;
  #attempt = 0;

  constructor(policy: ReconnectPolicy, random: () => number = Math.random) {
    if (policy.initialDelayMs <= 0 || policy.maxDelayMs < policy.initialDelayMs) {
      throw new RangeError('reconnect: need 0 < initialDelayMs <= maxDelayMs');
    }
    this.#policy = policy;
    this.#random = random;
  }

  /** The delay before the next attempt; each call doubles the ceiling up to maxDelayMs. */
  next(): number {
    const ceiling = Math.min(this.#policy.maxDelayMs, this.#policy.initialDelayMs * 2 ** this.#attempt);
    if (ceiling < this.#policy.maxDelayMs) this.#attempt++;
    return Math.round(this.#random() * ceiling);
  }

  /** After a connection that stayed up: start again from the initial delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
