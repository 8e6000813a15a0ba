import { describe, expect, it } from 'vitest';
import { GatewayMetrics, type GatewayObservations } from '../../src/metrics/gateway-metrics.js';

function observations(storeBacklog: number | undefined): GatewayObservations {
  return {
    activeSessions: () => 0,
    agents: () => [],
    connections: () => [],
    approvalsPending: () => 0,
    recording: () => undefined,
    recordingStoreBacklog: () => storeBacklog,
  };
}

describe('gateway metrics', () => {
  it('show the events waiting for the recording store', async () => {
    const metrics = new GatewayMetrics();
    let backlog = 1_250;
    metrics.observe({ ...observations(undefined), recordingStoreBacklog: () => backlog });
    expect(await metrics.registry.metrics()).toMatch(/^airlock_recording_store_backlog_events 1250$/m);
    backlog = 0;
    expect(await metrics.registry.metrics()).toMatch(/^airlock_recording_store_backlog_events 0$/m);
  });

  it('show no store backlog when the gateway has no store', async () => {
    const metrics = new GatewayMetrics();
    metrics.observe(observations(undefined));
    expect(await metrics.registry.metrics()).toMatch(/^airlock_recording_store_backlog_events 0$/m);
  });
});
