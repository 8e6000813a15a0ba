import { connectV1Client, startKitchenSinkHttp, waitFor, type RunningServer } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from './support/gateway-cluster.js';

/**
 * Enrollments live in the shared store when it is PostgreSQL: an agent enrolled on one gateway
 * is admitted by all, and a revocation on one gateway cuts it off on all of them within seconds.
 */

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

let upstream: RunningServer;
let cluster: GatewayCluster;

beforeAll(async () => {
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  cluster = await startGatewayCluster({
    gateways: 2,
    enrolled: true,
    connections: { 'kitchen-http': { transport: 'http', url: upstream.url } },
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await upstream?.close();
});

describe('agent enrollment shared by the gateways of one store', () => {
  it('admits on every gateway an agent enrolled on one, and a revocation on one cuts it off on all within seconds', async () => {
    await cluster.enrollAgent(0);
    // The agent dials both gateways with the token gateway 0 issued: gateway 1 admits it too.
    await cluster.startAgent();
    const listed = (await (await fetch(`${cluster.gateways[1]!.url}/api/v1/agents`)).json()) as {
      agents: { name: string; source: string }[];
    };
    expect(listed.agents.map((a) => a.name)).toContain('cluster-agent');

    const client = await connectV1Client(`${cluster.gateways[1]!.url}/mcp/kitchen-http`);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'enrolled' } }))).toContain(
      'enrolled',
    );
    await client.close();

    await cluster.revokeAgent(0);
    for (const gateway of cluster.gateways) {
      await waitFor(
        `the revoked agent cut off on ${gateway!.id}`,
        async () => (gateway!.tunnel.connection('kitchen-http') === undefined ? true : undefined),
        { timeoutMs: 5_000 },
      );
    }
    // It stays cut off: its reconnects are refused everywhere (it redials every ≤ 500 ms).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const gateway of cluster.gateways) {
      expect(gateway!.tunnel.connection('kitchen-http')).toBeUndefined();
    }
    const refused = await fetch(`${cluster.gateways[1]!.url}/mcp/kitchen-http`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });
    expect(refused.status).toBe(503);
  }, 60_000);
});
