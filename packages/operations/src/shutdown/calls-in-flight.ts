/**
 * The calls a role has taken and not yet answered, so a stopping process can wait for them: the
 * gateway's pipeline and the agent each keep one, and drain it on SIGTERM.
 */
export class CallsInFlight {
  private active = 0;
  private readonly idle = new Set<() => void>();

  get count(): number {
    return this.active;
  }

  started(): void {
    this.active++;
  }

  ended(): void {
    this.active--;
    if (this.active === 0) for (const wake of this.idle) wake();
  }

  /** Resolves when no call is in flight, or after `ms`; true when drained. */
  drained(ms: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.idle.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idle.delete(wake);
        resolve(false);
      }, ms);
      this.idle.add(wake);
    });
  }
}
