import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectV1Client } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * What an operator sees of a running gateway and agent: Prometheus metrics on the operations
 * listeners after real MCP traffic (SDK client → gateway → gRPC tunnel → agent → real servers), and
 * readiness that turns 503 naming the store, the spool or the tunnel when one of them fails.
 */
let upstreams: Upstreams;
let airlock: AirlockHarness;

const OPERATIONS = { listen: { host: '127.0.0.1', port: 0 } };

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({
    connections: {
      'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown>,
      'kitchen-stdio': upstreams.connections['kitchen-stdio'] as Record<string, unknown>,
    },
    gateway: {
      operations: OPERATIONS,
      guardrails: { rules: [{ name: 'no-crash', tool: 'crash', action: 'deny' }] },
    },
    agent: { operations: OPERATIONS },
    recording: { spool: { fsync: 'never' } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The value of one sample, e.g. `airlock_gateway_calls_total{connection="x",...}`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function readiness(url: string): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}

describe('metrics after real traffic', () => {
  it('count calls by connection, method and outcome at the gateway and the agent, with latency', async () => {
    const gatewayOps = airlock.gateway.operations!.url;
    const agentOps = airlock.agent!.operations!.url;
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'), { name: 'operations-e2e' });
    try {
      for (let i = 0; i < 3; i++) await client.callTool({ name: 'echo', arguments: { text: `hello ${i}` } });
      // A value the agent masks on the way out (the default detectors include AWS access key ids).
      await client.callTool({ name: 'echo', arguments: { text: 'key AKIAIOSFODNN7EXAMPLE here' } });
      await client.callTool({ name: 'crash', arguments: {} }).catch(() => undefined);
    } finally {
      await client.close();
    }
    const gateway = await scrape(gatewayOps);
    const calls = { connection: 'kitchen-http', method: 'tools/call' };
    expect(sample(gateway, 'airlock_gateway_calls_total', { ...calls, outcome: 'ok' })).toBe(4);
    expect(sample(gateway, 'airlock_gateway_calls_total', { ...calls, outcome: 'denied' })).toBe(1);
    // Every answered call is timed, the refused one included (policy answers it at once).
    expect(sample(gateway, 'airlock_gateway_call_duration_seconds_count', calls)).toBe(5);
    expect(sample(gateway, 'airlock_gateway_calls_total', { method: 'initialize', outcome: 'ok' })).toBe(1);
    expect(
      sample(gateway, 'airlock_gateway_policy_decisions_total', {
        connection: 'kitchen-http',
        action: 'deny',
        kind: 'guardrail',
      }),
    ).toBe(1);
    expect(sample(gateway, 'airlock_gateway_agents_connected')).toBe(1);
    expect(sample(gateway, 'airlock_gateway_connection_agents', { connection: 'kitchen-stdio' })).toBe(1);
    expect(sample(gateway, 'airlock_gateway_approvals_pending')).toBe(0);
    expect(sample(gateway, 'airlock_spool_backlog_bytes', { sink: 'store' })).toBeGreaterThanOrEqual(0);
    expect(
      sample(gateway, 'airlock_spool_oldest_undelivered_seconds', { sink: 'store' }),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(gateway, 'airlock_recording_delivery_failures_total', { sink: 'store' })).toBe(0);
    // Nothing is on its way to the store once the calls are answered and the store caught up.
    expect(sample(gateway, 'airlock_recording_store_backlog_events')).toBeGreaterThanOrEqual(0);
    expect(sample(gateway, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    const agent = await scrape(agentOps);
    // The denied call never reached the agent.
    expect(sample(agent, 'airlock_agent_calls_total', { ...calls, outcome: 'ok' })).toBe(4);
    expect(sample(agent, 'airlock_agent_calls_total', { ...calls, outcome: 'denied' }) ?? 0).toBe(0);
    expect(sample(agent, 'airlock_agent_call_duration_seconds_count', calls)).toBe(4);
    expect(
      sample(agent, 'airlock_agent_masked_values_total', {
        connection: 'kitchen-http',
        type: 'AWS_ACCESS_KEY_ID',
      }),
    ).toBe(1);
    expect(sample(agent, 'airlock_agent_gateways_connected')).toBe(1);
    expect(sample(agent, 'airlock_spool_backlog_bytes', { sink: 'gateway' })).toBeGreaterThanOrEqual(0);
  });

  it('are not served on the public MCP listener', async () => {
    const response = await fetch(`${airlock.gateway.url}/metrics`);
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});

describe('health and readiness', () => {
  it('are served on the public listener and the operations listeners', async () => {
    for (const url of [
      airlock.gateway.url,
      airlock.gateway.operations!.url,
      airlock.agent!.operations!.url,
    ]) {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await readiness(url);
      expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    }
    expect((await readiness(airlock.gateway.url)).body.checks).toEqual({
      tunnel: 'ok',
      spool: 'ok',
      store: 'ok',
    });
    expect((await readiness(airlock.agent!.operations!.url)).body.checks).toEqual({
      tunnel: 'ok',
      spool: 'ok',
    });
  });

  it('turn unready, naming the spool, when the spool cannot be written, and ready again after', async () => {
    const spool = join(airlock.dir, 'gateway', 'spool');
    // Root ignores permissions, so the spool is taken away instead: a disk that went away.
    rmSync(spool, { recursive: true, force: true });
    try {
      const unready = await readiness(airlock.gateway.operations!.url);
      expect(unready.status).toBe(503);
      expect(unready.body.checks['spool']).toMatch(/cannot write to the recording spool/);
      expect(unready.body.checks['store']).toBe('ok');
      // The public listener names the failing check, not its message (a path, a cause).
      const outside = await readiness(airlock.gateway.url);
      expect(outside.status).toBe(503);
      expect(outside.body.checks).toEqual({ tunnel: 'ok', spool: 'failing', store: 'ok' });
      // Liveness is not readiness: the process still answers.
      expect((await fetch(`${airlock.gateway.url}/healthz`)).status).toBe(200);
    } finally {
      mkdirSync(spool, { recursive: true });
    }
    expect((await readiness(airlock.gateway.url)).status).toBe(200);
  });

  it('turn the agent unready, naming the tunnel, when no gateway is connected', async () => {
    const agentOps = airlock.agent!.operations!.url;
    const gateway = airlock.gateway;
    const port = gateway.tunnel.port;
    // The agent's spool is fine; what it lacks is a gateway.
    await gateway.tunnel.close({ graceMs: 0 });
    const deadline = Date.now() + 10_000;
    let report = await readiness(agentOps);
    while (report.status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      report = await readiness(agentOps);
    }
    expect(report.status).toBe(503);
    expect(report.body.checks['tunnel']).toMatch(/no tunnel to a gateway is up/);
    // The gateway's own tunnel listener is down too.
    const gatewayReport = await readiness(gateway.operations!.url);
    expect(gatewayReport.status).toBe(503);
    expect(gatewayReport.body.checks['tunnel']).toMatch(/not up/);
    expect(port).toBeGreaterThan(0);
    await airlock.restartGateway();
    expect((await readiness(airlock.gateway.url)).status).toBe(200);
    const back = Date.now() + 10_000;
    while ((await readiness(agentOps)).status !== 200 && Date.now() < back)
      await new Promise((r) => setTimeout(r, 50));
    expect((await readiness(agentOps)).status).toBe(200);
    // The agent came back to the restarted gateway: one reconnect, counted.
    const metrics = await scrape(agentOps);
    expect(sample(metrics, 'airlock_agent_tunnel_reconnects_total', { gateway: `127.0.0.1:${port}` })).toBe(
      1,
    );
  });

  it('turn unready, naming the store, when the store does not answer', async () => {
    await airlock.gateway.recording!.store!.close();
    const report = await readiness(airlock.gateway.operations!.url);
    expect(report.status).toBe(503);
    expect(report.body.checks['store']).toMatch(/the recording store does not answer/);
    expect(report.body.checks['spool']).toBe('ok');
  });
});
