import {
  CallsInFlight,
  type AgentMetrics,
  type CallOutcome,
  type RelaySpan,
  type RelayTracer,
} from '@airlock/operations';

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
  private readonly calls = new CallsInFlight();

  constructor(
    private readonly metrics: AgentMetrics | undefined,
    private readonly tracer: RelayTracer | undefined,
  ) {}

  /** Calls started and not yet answered. */
  get inFlight(): number {
    return this.calls.count;
  }

  /** `traceparent`: the gateway's span for the request (it came with the tunnel frame). */
  started(connection: string, method: string, traceparent: string | undefined): AgentCall {
    this.calls.started();
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
    this.calls.ended();
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
  }

  /** Resolves when no call is in flight, or after `ms`; true when drained. */
  drained(ms: number): Promise<boolean> {
    return this.calls.drained(ms);
  }
}
