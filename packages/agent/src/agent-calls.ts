import type { AgentMetrics, CallOutcome, RelaySpan, RelayTracer } from '@airlock/operations';

/** One client request the agent is relaying. */
export interface AgentCall {
  readonly connection: string;
  readonly method: string;
  readonly startedAt: number;
  readonly span: RelaySpan | undefined;
}

/**
 * The requests this agent is relaying, across sessions: metrics and spans per call, and the count
 * a stopping agent waits on (it drains calls in flight before it closes its tunnels).
 */
export class AgentCalls {
  private active = 0;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly metrics: AgentMetrics | undefined,
    private readonly tracer: RelayTracer | undefined,
  ) {}

  /** Calls started and not yet answered. */
  get inFlight(): number {
    return this.active;
  }

  /** `traceparent`: the gateway's span for the request (it came with the tunnel frame). */
  started(connection: string, method: string, traceparent: string | undefined): AgentCall {
    this.active++;
    return {
      connection,
      method,
      startedAt: performance.now(),
      span: this.tracer?.startSpan(`mcp ${method}`, traceparent, {
        'mcp.method.name': method,
        'airlock.connection': connection,
      }),
    };
  }

  finished(call: AgentCall, outcome: CallOutcome): void {
    this.active--;
    this.metrics?.calls.finished(
      call.connection,
      call.method,
      outcome,
      (performance.now() - call.startedAt) / 1000,
    );
    if (call.span) {
      if (outcome !== 'ok') call.span.fail('answered with an error');
      call.span.end();
    }
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
