import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerRecordingMetrics, type ObservedRecording } from '../../src/metrics/recording-metrics.js';

describe('recording metrics', () => {
  it("shows each sink's batches and busy seconds, so its sustained events/s can be read", async () => {
    const registry = new Registry();
    const recording: ObservedRecording = {
      spool: { backlog: () => ({ segments: 2, bytesBehind: { store: 4096 } }) },
      deliveries: [
        {
          sinkName: 'store',
          stats: { delivered: 1200, failures: 1, batches: 12, busyMs: 1500 },
          oldestUndeliveredAt: undefined,
        },
      ],
    };
    registerRecordingMetrics(registry, () => recording);
    const text = await registry.metrics();
    expect(text).toContain('airlock_recording_delivered_events_total{sink="store"} 1200');
    expect(text).toContain('airlock_recording_delivery_batches_total{sink="store"} 12');
    expect(text).toContain('airlock_recording_delivery_busy_seconds_total{sink="store"} 1.5');
    expect(text).toContain('airlock_spool_backlog_bytes{sink="store"} 4096');
  });
});
