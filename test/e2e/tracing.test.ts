import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectV1Client } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * One trace per MCP request across gateway and agent: both export OTLP/HTTP JSON to a collector
 * in this test, the gateway's span context crosses the gRPC tunnel, the agent's span is its
 * child, and the HTTP upstream receives the agent's span as `traceparent`.
 */
interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
}

let collector: Server;
let collectorUrl: string;
const spans: ExportedSpan[] = [];
let upstreams: Upstreams;
let proxy: RecordingProxy;
let airlock: AirlockHarness;

function startCollector(): Promise<void> {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: {
              spans: { traceId: string; spanId: string; parentSpanId?: string; name: string }[];
            }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans)
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                name: s.name,
              });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    collector.listen(0, '127.0.0.1', () => {
      collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
      resolve();
    }),
  );
}

beforeAll(async () => {
  useTestAwsCredentials();
  await startCollector();
  upstreams = await startUpstreams();
  const http = upstreams.connections['kitchen-http'] as { url: string };
  proxy = await startRecordingProxy(http.url);
  airlock = await startAirlock({
    connections: { 'kitchen-http': { ...http, url: proxy.url } },
    gateway: { telemetry: { tracing: { otlpEndpoint: collectorUrl, serviceName: 'e2e-gateway' } } },
    agent: { telemetry: { tracing: { otlpEndpoint: collectorUrl, serviceName: 'e2e-agent' } } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await proxy?.close();
  await upstreams?.close();
  await new Promise((r) => collector?.close(r));
});

async function spansNamed(name: string, services: readonly string[]): Promise<ExportedSpan[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = spans.filter((s) => s.name === name);
    if (services.every((svc) => found.some((s) => s.service === svc)) || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('tracing', () => {
  it('puts the gateway span and the agent span of one call in one trace, parent and child', async () => {
    const client = await connectV1Client(`${airlock.gateway.url}/mcp/kitchen-http`, { name: 'tracing-e2e' });
    try {
      await client.callTool({ name: 'echo', arguments: { text: 'traced' } });
    } finally {
      await client.close();
    }
    const calls = await spansNamed('mcp tools/call', ['e2e-gateway', 'e2e-agent']);
    const gateway = calls.find((s) => s.service === 'e2e-gateway');
    const agent = calls.find((s) => s.service === 'e2e-agent');
    expect(gateway, JSON.stringify(spans)).toBeDefined();
    expect(agent, JSON.stringify(spans)).toBeDefined();
    expect(agent!.traceId).toBe(gateway!.traceId);
    expect(agent!.parentSpanId).toBe(gateway!.spanId);
    expect(gateway!.traceId).toMatch(/^[0-9a-f]{32}$/);

    // The HTTP upstream got the agent's span as its parent.
    const upstreamCall = proxy.requests.find((r) => r.rpcMethod === 'tools/call');
    expect(upstreamCall?.headers['traceparent']).toBe(`00-${agent!.traceId}-${agent!.spanId}-01`);
  });
});
