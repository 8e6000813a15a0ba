import type { Registry } from 'prom-client';
import { methodLabel } from './method-label.js';

/**
 * How a call ended: answered with a result, with a JSON-RPC error (or its session ended first),
 * refused by policy, or cancelled by its client (notifications/cancelled).
 */
export type CallOutcome = 'ok' | 'error' | 'denied' | 'cancelled';

const OUTCOMES: readonly CallOutcome[] = ['ok', 'error', 'denied', 'cancelled'];
const OUTCOME_INDEX: Readonly<Record<CallOutcome, number>> = { ok: 0, error: 1, denied: 2, cancelled: 3 };

/** Seconds; from a fast tools/list to a long tool call (the relay allows 300 s upstream). */
export const CALL_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** One (connection, method) pair: plain numbers, turned into samples only when scraped. */
interface CallSeries {
  readonly connection: string;
  readonly method: string;
  /** Calls per outcome, indexed by OUTCOME_INDEX. */
  readonly calls: Float64Array;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * Calls by connection, method and outcome, and their latency, for one role (`gateway` | `agent`).
 *
 * prom-client's labelled counter and histogram hash their label values on every increment
 * (about 1 µs per call for the pair, measured by test/bench/metrics-cost.mjs). Here a call costs
 * a Set lookup, two Map lookups and a few numeric updates; the series become Prometheus samples
 * only when scraped, through a collector registered on the same registry.
 */
export class CallMetrics {
  private readonly series = new Map<string, Map<string, CallSeries>>();
  private readonly callsName: string;
  private readonly durationName: string;

  constructor(registry: Registry, role: 'gateway' | 'agent') {
    this.callsName = `airlock_${role}_calls_total`;
    this.durationName = `airlock_${role}_call_duration_seconds`;
    const callsHelp = `MCP requests relayed by the ${role}, by connection, method and outcome (ok, error, denied, cancelled).`;
    const durationHelp = `Time from an MCP request at the ${role} to its answer, by connection and method.`;
    registry.registerMetric(this.collector(this.callsName, callsHelp, 'counter', () => this.callSamples()));
    registry.registerMetric(
      this.collector(this.durationName, durationHelp, 'histogram', () => this.durationSamples()),
    );
  }

  /** A request was answered (or refused) after `seconds`. */
  finished(connection: string, method: string, outcome: CallOutcome, seconds: number): void {
    const series = this.seriesFor(connection, methodLabel(method));
    (series.calls[OUTCOME_INDEX[outcome]] as number)++;
    let bucket = 0;
    while (bucket < CALL_DURATION_BUCKETS.length && seconds > (CALL_DURATION_BUCKETS[bucket] as number))
      bucket++;
    (series.buckets[bucket] as number)++;
    series.sum += seconds;
    series.count++;
  }

  private seriesFor(connection: string, method: string): CallSeries {
    let byMethod = this.series.get(connection);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.series.set(connection, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = {
        connection,
        method,
        calls: new Float64Array(OUTCOMES.length),
        buckets: new Float64Array(CALL_DURATION_BUCKETS.length + 1),
        sum: 0,
        count: 0,
      };
      byMethod.set(method, series);
    }
    return series;
  }

  private *allSeries(): Iterable<CallSeries> {
    for (const byMethod of this.series.values()) yield* byMethod.values();
  }

  private callSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const s of this.allSeries())
      OUTCOMES.forEach((outcome, i) =>
        samples.push({
          labels: { connection: s.connection, method: s.method, outcome },
          value: s.calls[i] as number,
        }),
      );
    return samples;
  }

  private durationSamples(): Sample[] {
    const samples: Sample[] = [];
    const bucketName = `${this.durationName}_bucket`;
    for (const s of this.allSeries()) {
      const labels = { connection: s.connection, method: s.method };
      let cumulative = 0;
      CALL_DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i] as number;
        samples.push({ labels: { ...labels, le }, value: cumulative, metricName: bucketName });
      });
      samples.push({ labels: { ...labels, le: '+Inf' }, value: s.count, metricName: bucketName });
      samples.push({ labels, value: s.sum, metricName: `${this.durationName}_sum` });
      samples.push({ labels, value: s.count, metricName: `${this.durationName}_count` });
    }
    return samples;
  }

  /** A metric prom-client's registry can hold: it only ever calls `get()` (and `reset()`). */
  private collector(
    name: string,
    help: string,
    type: 'counter' | 'histogram',
    values: () => Sample[],
  ): Parameters<Registry['registerMetric']>[0] {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.series.clear(),
    };
    return metric as unknown as Parameters<Registry['registerMetric']>[0];
  }
}
