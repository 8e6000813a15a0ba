import { Counter, Histogram, type Registry } from 'prom-client';
import { methodLabel } from './method-label.js';

/** How a call ended: answered with a result, with a JSON-RPC error, or refused by policy. */
export type CallOutcome = 'ok' | 'error' | 'denied';

const OUTCOMES: readonly CallOutcome[] = ['ok', 'error', 'denied'];

/** Seconds; from a fast tools/list to a long tool call (the relay allows 300 s upstream). */
export const CALL_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

interface CallSeries {
  readonly calls: Record<CallOutcome, Counter.Internal>;
  readonly duration: Histogram.Internal<string>;
}

/**
 * Calls by connection, method and outcome, and their latency, for one role (`gateway` | `agent`).
 * On the hot path a call costs two map lookups, a counter increment and a histogram observation:
 * the labelled children are cached per (connection, method), so no label object or key string is
 * built per call.
 */
export class CallMetrics {
  private readonly calls: Counter<'connection' | 'method' | 'outcome'>;
  private readonly duration: Histogram<'connection' | 'method'>;
  private readonly series = new Map<string, Map<string, CallSeries>>();

  constructor(registry: Registry, role: 'gateway' | 'agent') {
    this.calls = new Counter({
      name: `airlock_${role}_calls_total`,
      help: `MCP requests relayed by the ${role}, by connection, method and outcome (ok, error, denied).`,
      labelNames: ['connection', 'method', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `airlock_${role}_call_duration_seconds`,
      help: `Time from an MCP request at the ${role} to its answer, by connection and method.`,
      labelNames: ['connection', 'method'],
      buckets: CALL_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** A request was answered (or refused) after `seconds`. */
  finished(connection: string, method: string, outcome: CallOutcome, seconds: number): void {
    const series = this.seriesFor(connection, method);
    series.calls[outcome].inc();
    series.duration.observe(seconds);
  }

  private seriesFor(connection: string, method: string): CallSeries {
    let byMethod = this.series.get(connection);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.series.set(connection, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      const label = methodLabel(method);
      const calls = {} as Record<CallOutcome, Counter.Internal>;
      for (const outcome of OUTCOMES) calls[outcome] = this.calls.labels(connection, label, outcome);
      series = { calls, duration: this.duration.labels(connection, label) };
      byMethod.set(method, series);
    }
    return series;
  }
}
