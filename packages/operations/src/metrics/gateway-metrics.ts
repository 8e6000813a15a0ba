import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CallMetrics } from './call-metrics.js';
import { registerRecordingMetrics, type ObservedRecording } from './recording-metrics.js';

/** What the gateway's metrics read at scrape time. */
export interface GatewayObservations {
  /** Legacy-era sessions open now. */
  readonly activeSessions: () => number;
  /** The agents connected now, with the connections each serves. */
  readonly agents: () => ReadonlyArray<{ readonly connections: ReadonlyArray<{ readonly name: string }> }>;
  /** Every connection the gateway knows (configured or announced), so a missing agent shows as 0. */
  readonly connections: () => Iterable<string>;
  /** Calls held on this gateway waiting for approvers. */
  readonly approvalsPending: () => number;
  readonly recording: () => ObservedRecording | undefined;
  /** Events handed to the recording store and not yet stored; undefined without a store. */
  readonly recordingStoreBacklog?: () => number | undefined;
}

/** The gateway's Prometheus registry and the instruments the relay updates as calls pass. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly calls = new CallMetrics(this.registry, 'gateway');
  private readonly decisions: Counter<'connection' | 'action' | 'kind'>;
  private observations: GatewayObservations | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.decisions = new Counter({
      name: 'airlock_gateway_policy_decisions_total',
      help: 'Messages a policy did not simply pass, by connection, action (deny, hold, audit, hide) and kind of rule (guardrail, access, pinning).',
      labelNames: ['connection', 'action', 'kind'],
      registers: [this.registry],
    });
    const observed = () => this.observations;
    new Gauge({
      name: 'airlock_gateway_active_sessions',
      help: 'Legacy-era MCP sessions open on this gateway.',
      registers: [this.registry],
      collect() {
        const o = observed();
        if (o) this.set(o.activeSessions());
      },
    });
    new Gauge({
      name: 'airlock_gateway_agents_connected',
      help: 'Agents with a tunnel to this gateway.',
      registers: [this.registry],
      collect() {
        const o = observed();
        if (o) this.set(o.agents().length);
      },
    });
    new Gauge({
      name: 'airlock_gateway_connection_agents',
      help: 'Agents connected to this gateway that serve each known connection; 0 = the connection is unreachable here.',
      labelNames: ['connection'],
      registers: [this.registry],
      collect() {
        const o = observed();
        if (!o) return;
        const counts = new Map<string, number>();
        for (const name of o.connections()) counts.set(name, 0);
        for (const agent of o.agents())
          for (const c of agent.connections) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
        this.reset();
        for (const [connection, n] of counts) this.set({ connection }, n);
      },
    });
    new Gauge({
      name: 'airlock_gateway_approvals_pending',
      help: 'Calls held on this gateway waiting for approvers.',
      registers: [this.registry],
      collect() {
        const o = observed();
        if (o) this.set(o.approvalsPending());
      },
    });
    new Gauge({
      name: 'airlock_recording_store_backlog_events',
      help: "Recorded events handed to the store and not yet stored: this gateway's delivery batch and its agents' batches, in flight or queued for the store; 0 without a store (events still in the spool: airlock_spool_backlog_bytes).",
      registers: [this.registry],
      collect() {
        const events = observed()?.recordingStoreBacklog?.();
        if (events !== undefined) this.set(events);
      },
    });
    registerRecordingMetrics(this.registry, () => this.observations?.recording());
  }

  /** Connects the scrape-time gauges to the running gateway. */
  observe(observations: GatewayObservations): void {
    this.observations = observations;
  }

  /** A policy decided something other than a plain pass (`rule` as recorded: `guardrail:x`, `access:#1`, ...). */
  decided(connection: string, action: string, rule: string | undefined): void {
    const kind = rule === undefined ? 'other' : (/^[a-z]+/.exec(rule)?.[0] ?? 'other');
    this.decisions.labels(connection, action, kind).inc();
  }
}
