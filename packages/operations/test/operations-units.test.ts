import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  GatewayMetrics,
  methodLabel,
  parseTraceparent,
  Readiness,
  startTracing,
  tracingRequested,
} from '../src/index.js';

describe('traceparent', () => {
  it('parses a W3C version-00 context and formats it back', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const parsed = parseTraceparent(value);
    expect(parsed).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: 1,
    });
    expect(formatTraceparent(parsed!)).toBe(value);
  });

  it('ignores what is not one (garbage, all-zero ids, other versions)', () => {
    expect(parseTraceparent('nonsense')).toBeUndefined();
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });
});

describe('tracing', () => {
  it('is off without the config section or the OTEL_EXPORTER_OTLP_* variables', async () => {
    expect(tracingRequested(undefined, {})).toBe(false);
    expect(tracingRequested(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(await startTracing(undefined, 'airlock-test', pino({ enabled: false }), {})).toBeUndefined();
  });
});

describe('Readiness', () => {
  it('is ready when every check passes, and names each failing check', async () => {
    let spoolOk = true;
    const readiness = new Readiness()
      .add('tunnel', () => undefined)
      .add('spool', () => (spoolOk ? undefined : 'disk full'));
    expect(await readiness.report()).toEqual({ ready: true, checks: { tunnel: 'ok', spool: 'ok' } });
    spoolOk = false;
    expect(await readiness.report()).toEqual({ ready: false, checks: { tunnel: 'ok', spool: 'disk full' } });
  });

  it('turns a throwing check into its message, and is unready once stopping', async () => {
    const readiness = new Readiness().add('store', () => Promise.reject(new Error('connection refused')));
    expect((await readiness.report()).checks['store']).toBe('connection refused');
    const ok = new Readiness().add('tunnel', () => undefined);
    ok.stopping();
    const report = await ok.report();
    expect(report.ready).toBe(false);
    expect(report.checks['shutdown']).toMatch(/stopping/);
  });
});

describe('call metrics', () => {
  it('bound the method label: names outside MCP count as "other"', async () => {
    expect(methodLabel('tools/call')).toBe('tools/call');
    expect(methodLabel('x/'.repeat(50))).toBe('other');
    const metrics = new GatewayMetrics();
    metrics.calls.finished('db', 'tools/call', 'ok', 0.01);
    metrics.calls.finished('db', 'made/up-1', 'error', 0.01);
    metrics.calls.finished('db', 'made/up-2', 'error', 0.01);
    const text = await metrics.registry.metrics();
    expect(text).toContain('airlock_gateway_calls_total{connection="db",method="tools/call",outcome="ok"} 1');
    expect(text).toContain('airlock_gateway_calls_total{connection="db",method="other",outcome="error"} 2');
    expect(text).not.toContain('made/up');
  });

  it('export latency as a Prometheus histogram: cumulative buckets, +Inf equal to the count, the sum', async () => {
    const metrics = new GatewayMetrics();
    for (const seconds of [0.003, 0.2, 400]) metrics.calls.finished('db', 'tools/call', 'ok', seconds);
    const text = await metrics.registry.metrics();
    const bucket = (le: string) =>
      Number(
        new RegExp(
          `airlock_gateway_call_duration_seconds_bucket\\{connection="db",method="tools/call",le="${le.replace('+', '\\+')}"\\} (\\S+)`,
        ).exec(text)?.[1],
      );
    expect([bucket('0.005'), bucket('0.1'), bucket('0.25'), bucket('300'), bucket('+Inf')]).toEqual([
      1, 1, 2, 2, 3,
    ]);
    expect(text).toContain(
      'airlock_gateway_call_duration_seconds_count{connection="db",method="tools/call"} 3',
    );
    expect(text).toContain(
      'airlock_gateway_call_duration_seconds_sum{connection="db",method="tools/call"} 400.203',
    );
  });
});
