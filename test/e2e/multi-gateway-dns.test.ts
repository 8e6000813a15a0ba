import {
  connectV1Client,
  freePort,
  startKitchenSinkHttp,
  waitFor,
  type RunningServer,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from './support/gateway-cluster.js';

/**
 * An agent configured with one DNS name for a fleet of gateways: it dials every address the name
 * resolves to and re-resolves it, so gateways joining and leaving need no agent restart. The
 * resolver is injected: its answer changes as the test adds and removes gateways.
 */

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

let upstream: RunningServer;
let cluster: GatewayCluster;
/** What the fleet name resolves to now. */
let answer: string[] = [];
const asked: string[] = [];

beforeAll(async () => {
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  const port = await freePort();
  cluster = await startGatewayCluster({
    gateways: 1,
    tunnelPort: port,
    connections: { 'kitchen-http': { transport: 'http', url: upstream.url } },
    agentGateways: (caFile) => [
      {
        address: `gateways.airlock.test:${port}`,
        caFile,
        serverName: 'localhost',
        dns: { refreshSeconds: 0.2 },
      },
    ],
    resolveGateways: async (host) => {
      asked.push(host);
      return answer;
    },
  });
  answer = ['127.0.0.1'];
  await cluster.startAgent();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await upstream?.close();
});

describe('an agent dialling a gateway fleet by DNS name', () => {
  it('dials a gateway that joins and lets go of one that leaves, without restarting', async () => {
    expect(asked).toContain('gateways.airlock.test');
    expect(cluster.gateways[0]!.tunnel.connection('kitchen-http')).toBeDefined();

    // A second gateway joins: it appears in DNS and the agent dials it.
    const joined = await cluster.startGateway(1);
    expect(joined.tunnel.connection('kitchen-http')).toBeUndefined();
    answer = ['127.0.0.1', '127.0.0.2'];
    await cluster.waitForAgent('kitchen-http');
    const client = await connectV1Client(`${joined.url}/mcp/kitchen-http`);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'joined' } }))).toContain(
      'joined',
    );
    await client.close();

    // The first leaves DNS and stops: the agent stops dialling it and keeps serving the other.
    answer = ['127.0.0.2'];
    await cluster.stopGateway(0);
    await waitFor(
      'the agent to let go of the gateway that left',
      async () => (/a gateway left the fleet/.test(cluster.logs()) ? true : undefined),
      { timeoutMs: 10_000 },
    );
    const after = await connectV1Client(`${joined.url}/mcp/kitchen-http`);
    expect(textOf(await after.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toContain(
      'still here',
    );
    await after.close();
  }, 60_000);
});
