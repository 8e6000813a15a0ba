/**
 * One condition a process needs to serve: passes (undefined) or says what is wrong and what to do.
 * A check may be slow (a store round trip), so each gets a time limit.
 */
export type ReadinessCheck = () => string | undefined | Promise<string | undefined>;

export interface ReadinessReport {
  readonly ready: boolean;
  /** Each check by name: `ok` or what is wrong. */
  readonly checks: Readonly<Record<string, string>>;
}

/** A check that has not answered within this long fails (a hung store is not a ready store). */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * What `/readyz` reports: every named check must pass, and the process must not be stopping (a
 * stopping process turns unready first, so load balancers stop sending it new sessions).
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private stoppingSince: number | undefined;

  add(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    return this;
  }

  /** From now on unready, whatever the checks say: the process is draining. */
  stopping(): void {
    this.stoppingSince ??= Date.now();
  }

  get isStopping(): boolean {
    return this.stoppingSince !== undefined;
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, string> = {};
    if (this.stoppingSince !== undefined)
      checks['shutdown'] = 'the process is stopping: it finishes calls in flight and takes no new sessions';
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        checks[name] = (await runCheck(check)) ?? 'ok';
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  }
}

async function runCheck(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(check),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
