import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AgentMetrics, GatewayMetrics } from '../src/index.js';

/**
 * The alert rules (deploy/alerts) and the Grafana dashboard (deploy/grafana) against the metrics
 * Airlock really exports: every expression parses as PromQL (Prometheus's own grammar, lezer-promql),
 * and every metric it names is one a gateway or an agent serves. A renamed metric fails here.
 */
const root = new URL('../../../', import.meta.url);
const rulesText = readFileSync(new URL('deploy/alerts/airlock-rules.yaml', root), 'utf8');
const dashboard = JSON.parse(
  readFileSync(new URL('deploy/grafana/airlock-dashboard.json', root), 'utf8'),
) as {
  uid: string;
  panels: { type: string; title: string; gridPos: { x: number; w: number }; targets?: { expr: string }[] }[];
  templating: { list: { name: string; query: unknown }[] };
};

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metrics of [new GatewayMetrics(), new AgentMetrics()])
    for (const metric of await metrics.registry.getMetricsAsJSON()) names.add(metric.name);
  return names;
}

function promqlProblems(expr: string): string[] {
  const problems: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        problems.push(`syntax error at ${node.from}: "${expr.slice(node.from, node.from + 20)}"`);
    },
  });
  return problems;
}

/** Metric names an expression refers to (histogram series names map to their histogram). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:airlock|process|nodejs)_[a-z0-9_]+)/g)].map((m) =>
    (m[1] as string).replace(/_(bucket|count|sum)$/, ''),
  );
}

/** Grafana's variables as a query would see them. */
function expandGrafana(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replace(/\$(connection|job)/g, '.*');
}

describe('the Prometheus alert rules', () => {
  const file = parseYaml(rulesText) as { groups: { name: string; rules: Rule[] }[] };
  const rules = file.groups.flatMap((g) => g.rules);

  it('parse: groups of named alerts, each with an expression, a severity and a summary', () => {
    expect(file.groups.length).toBeGreaterThan(0);
    const names = new Set<string>();
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Airlock[A-Z][A-Za-z]+$/);
      expect(names.has(rule.alert!), `duplicate alert ${rule.alert}`).toBe(false);
      names.add(rule.alert!);
      expect(promqlProblems(rule.expr ?? ''), `${rule.alert}: ${rule.expr}`).toEqual([]);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smhd]$/);
      expect(['warning', 'critical']).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary']).toBeTruthy();
    }
  });

  it('cover a growing backlog, a connection without an agent and failing delivery', () => {
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'AirlockRecordingBacklogGrowing',
        'AirlockNoAgentForConnection',
        'AirlockRecordingDeliveryFailing',
      ]),
    );
  });

  it('name only metrics that Airlock exports', async () => {
    const exported = await exportedNames();
    for (const rule of rules)
      for (const name of metricsIn(rule.expr ?? ''))
        expect(exported, `${rule.alert} uses ${name}`).toContain(name);
  });

  it('fail the check on a broken expression (the check itself can fail)', () => {
    expect(promqlProblems('sum by (sink (rate(airlock_spool_backlog_bytes[5m]) >')).not.toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  const targets = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );

  it('is a dashboard with a stable uid, panels inside the 24-column grid, and a data source variable', () => {
    expect(dashboard.uid).toBe('airlock-overview');
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource');
    for (const panel of dashboard.panels) expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    expect(targets.length).toBeGreaterThan(10);
  });

  it('queries parse as PromQL and name only metrics that Airlock exports', async () => {
    const exported = await exportedNames();
    for (const { panel, expr } of targets) {
      const query = expandGrafana(expr);
      expect(promqlProblems(query), `${panel}: ${query}`).toEqual([]);
      for (const name of metricsIn(query)) expect(exported, `${panel} uses ${name}`).toContain(name);
    }
  });

  it('shows calls, latency, agents, backlog, delivery failures, masking and approvals', () => {
    const used = new Set(targets.flatMap((t) => metricsIn(t.expr)));
    for (const name of [
      'airlock_gateway_calls_total',
      'airlock_gateway_call_duration_seconds',
      'airlock_agent_call_duration_seconds',
      'airlock_gateway_connection_agents',
      'airlock_spool_oldest_undelivered_seconds',
      'airlock_recording_delivery_failures_total',
      'airlock_agent_masked_values_total',
      'airlock_gateway_approvals_pending',
    ])
      expect(used).toContain(name);
  });
});
