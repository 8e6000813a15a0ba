import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CallMetrics } from './call-metrics.js';
import { registerRecordingMetrics, type ObservedRecording } from './recording-metrics.js';

/** What the agent's metrics read at scrape time. */
export interface AgentObservations {
  readonly activeSessions: () => number;
  readonly gatewaysConnected: () => number;
  readonly recording: () => ObservedRecording | undefined;
}

/** The agent's Prometheus registry and the instruments its relay updates. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly calls = new CallMetrics(this.registry, 'agent');
  private readonly reconnects: Counter<'gateway'>;
  private readonly masked: Counter<'connection' | 'type'>;
  private observations: AgentObservations | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.reconnects = new Counter({
      name: 'airlock_agent_tunnel_reconnects_total',
      help: 'Times a tunnel to a gateway came back after it was lost, per gateway address.',
      labelNames: ['gateway'],
      registers: [this.registry],
    });
    this.masked = new Counter({
      name: 'airlock_agent_masked_values_total',
      help: 'Values the agent masked in server messages, by connection and detector type.',
      labelNames: ['connection', 'type'],
      registers: [this.registry],
    });
    const observed = () => this.observations;
    new Gauge({
      name: 'airlock_agent_active_sessions',
      help: 'Sessions and exchanges the agent is relaying now.',
      registers: [this.registry],
      collect() {
        const o = observed();
        if (o) this.set(o.activeSessions());
      },
    });
    new Gauge({
      name: 'airlock_agent_gateways_connected',
      help: 'Gateways this agent has a tunnel to now.',
      registers: [this.registry],
      collect() {
        const o = observed();
        if (o) this.set(o.gatewaysConnected());
      },
    });
    registerRecordingMetrics(this.registry, () => this.observations?.recording());
  }

  observe(observations: AgentObservations): void {
    this.observations = observations;
  }

  reconnected(gateway: string): void {
    this.reconnects.labels(gateway).inc();
  }

  maskedValues(
    connection: string,
    findings: ReadonlyArray<{ readonly type: string; readonly count: number }>,
  ): void {
    for (const finding of findings) this.masked.labels(connection, finding.type).inc(finding.count);
  }
}
