import { Counter, Gauge, type Registry } from 'prom-client';

/** What the metrics read of one delivery pump (a SpoolDelivery, structurally). */
export interface ObservedDelivery {
  readonly sinkName: string;
  readonly stats: {
    readonly delivered: number;
    readonly failures: number;
    readonly batches: number;
    readonly busyMs: number;
  };
  /** When the oldest event this pump has not yet delivered was recorded (ms); undefined: caught up. */
  readonly oldestUndeliveredAt: number | undefined;
}

/** What the metrics read of a running recording (spool and pumps). */
export interface ObservedRecording {
  readonly spool: { backlog(): { segments: number; bytesBehind: Record<string, number> } };
  readonly deliveries: readonly ObservedDelivery[];
}

/**
 * The spool and its delivery per sink, read at scrape time (nothing on the hot path): backlog in
 * bytes, age of the oldest undelivered event, delivered events and failed deliveries.
 */
export function registerRecordingMetrics(
  registry: Registry,
  recording: () => ObservedRecording | undefined,
): void {
  new Gauge({
    name: 'airlock_spool_segments',
    help: 'Segment files in the recording spool (delivered segments are deleted).',
    registers: [registry],
    collect() {
      const running = recording();
      if (running) this.set(running.spool.backlog().segments);
    },
  });
  new Gauge({
    name: 'airlock_spool_backlog_bytes',
    help: 'Bytes of recorded events in the spool not yet delivered, per sink (store, kinesis, gateway).',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      const running = recording();
      if (!running) return;
      for (const [sink, bytes] of Object.entries(running.spool.backlog().bytesBehind))
        this.set({ sink }, bytes);
    },
  });
  new Gauge({
    name: 'airlock_spool_oldest_undelivered_seconds',
    help: 'Age of the oldest recorded event not yet delivered, per sink; 0 when the sink is caught up.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      const now = Date.now();
      for (const delivery of recording()?.deliveries ?? []) {
        const at = delivery.oldestUndeliveredAt;
        this.set({ sink: delivery.sinkName }, at === undefined ? 0 : Math.max(0, (now - at) / 1000));
      }
    },
  });
  new Counter({
    name: 'airlock_recording_delivered_events_total',
    help: 'Recorded events delivered from the spool, per sink.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of recording()?.deliveries ?? []) this.inc({ sink: d.sinkName }, d.stats.delivered);
    },
  });
  new Counter({
    name: 'airlock_recording_delivery_batches_total',
    help: 'Batches of recorded events delivered from the spool, per sink.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of recording()?.deliveries ?? []) this.inc({ sink: d.sinkName }, d.stats.batches);
    },
  });
  // rate(delivered) / rate(busy seconds): what the sink sustains (events per second of delivery
  // work); rate(busy seconds) near 1: the sink is the bottleneck and the spool backlog grows.
  new Counter({
    name: 'airlock_recording_delivery_busy_seconds_total',
    help: 'Seconds spent delivering batches of recorded events that succeeded, per sink.',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of recording()?.deliveries ?? []) this.inc({ sink: d.sinkName }, d.stats.busyMs / 1000);
    },
  });
  new Counter({
    name: 'airlock_recording_delivery_failures_total',
    help: 'Failed attempts to deliver recorded events from the spool, per sink (each is retried).',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of recording()?.deliveries ?? []) this.inc({ sink: d.sinkName }, d.stats.failures);
    },
  });
}
