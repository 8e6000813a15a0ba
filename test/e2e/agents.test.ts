import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startAgent, type Agent } from '@airlock/agent';
import { parseConfig, type ListAgentsResponse } from '@airlock/core';
import { connectV1Client } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { expectRpcError, initializeRequest, mcpPost, textOf } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * Agent enrollment through the admin API, with the real gateway and real agents: an enrolled agent
 * serves only its connections, cannot be impersonated, and is cut off at once when revoked.
 */
let upstreams: Upstreams;
let airlock: AirlockHarness;
let dataDir: string;
let agentLogs = '';
const agents: Agent[] = [];

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  dataDir = mkdtempSync(join(tmpdir(), 'airlock-agents-'));
  airlock = await startAirlock({
    connections: upstreams.connections,
    startAgent: false,
    gateway: { dataDir },
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await airlock?.close();
  await upstreams?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const sink = new PassThrough();
sink.on('data', (chunk: Buffer) => {
  agentLogs += chunk.toString('utf8');
});
const agentLogger = pino({ level: 'info' }, sink);

async function api<T>(method: string, path = '', body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${airlock.gateway.url}/api/v1/agents${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function enroll(name: string, connections: string[]): Promise<string> {
  const created = await api<{ token: string }>('POST', '', { name, connections });
  expect(created.status).toBe(201);
  return created.body.token;
}

/** An agent process-alike: the real agent, announcing `connections`, dialling this gateway. */
async function runAgent(id: string, token: string, connections: string[]): Promise<Agent> {
  const template = airlock.config.agent!;
  const config = parseConfig(
    JSON.stringify({
      agent: {
        id,
        token,
        gateways: template.gateways,
        heartbeatSeconds: 5,
        reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
        connections: Object.fromEntries(connections.map((c) => [c, upstreams.connections[c]])),
      },
    }),
  );
  const agent = await startAgent(config.agent!, { logger: agentLogger, version: 'e2e-agents/1.2.3' });
  agents.push(agent);
  return agent;
}

/** How many of this agent's calls the gateway refused (its log line, never the token). */
function refusals(id: string): number {
  return airlock
    .logs()
    .split('\n')
    .filter((l) => l.includes(`"agentId":"${id}"`) && l.includes('agent authentication failed')).length;
}

async function listed(name: string) {
  const { body } = await api<ListAgentsResponse>('GET');
  return body.agents.find((a) => a.name === name);
}

describe('an agent enrolled with the admin API', () => {
  let tokenA: string;

  it('connects with its token and serves only the connections it is enrolled for', async () => {
    tokenA = await enroll('subnet-a', ['kitchen-http']);
    const stored = readFileSync(join(dataDir, 'agents.json'), 'utf8');
    expect(stored).not.toContain(tokenA);
    expect(statSync(join(dataDir, 'agents.json')).mode & 0o777).toBe(0o600);

    // It announces "modern" too, which it is not enrolled for: the gateway ignores it.
    await runAgent('subnet-a', tokenA, ['kitchen-http', 'modern']);
    await airlock.waitForConnection('kitchen-http');
    expect(airlock.gateway.tunnel.connection('modern')).toBeUndefined();
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'enrolled' } }))).toBe(
        'enrolled',
      );
    } finally {
      await client.close();
    }
    const modern = await mcpPost(airlock.mcpUrl('modern'), initializeRequest());
    expect(modern.status).not.toBe(200);

    const a = await listed('subnet-a');
    expect(a).toMatchObject({
      source: 'enrollment',
      connected: true,
      version: 'e2e-agents/1.2.3',
      connections: ['kitchen-http'],
      enrolledConnections: ['kitchen-http'],
    });
    expect(Date.now() - Date.parse(a!.lastSeenAt!)).toBeLessThan(15_000);
  });

  it("refuses another agent's id presented with this agent's token", async () => {
    await enroll('subnet-b', ['modern']);
    await runAgent('subnet-b', tokenA, ['modern']);
    await expect.poll(() => refusals('subnet-b'), { timeout: 5000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(airlock.gateway.tunnel.connection('modern')).toBeUndefined();
    expect((await listed('subnet-b'))?.connected).toBe(false);
    expect(airlock.logs()).not.toContain(tokenA);
  });

  it('is cut off at once when revoked: sessions end, requests fail fast, reconnects are refused', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toBe('before');
    try {
      const revoked = await api<{ revoked: boolean }>('DELETE', '/subnet-a');
      expect(revoked.status).toBe(200);
      expect(airlock.gateway.tunnel.agents().map((a) => a.id)).not.toContain('subnet-a');

      await expect(client.callTool({ name: 'echo', arguments: { text: 'after' } })).rejects.toThrow();
      const started = performance.now();
      const answer = await mcpPost(airlock.mcpUrl('kitchen-http'), initializeRequest());
      expectRpcError(answer, 503, -32003, /"kitchen-http"/);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await client.close().catch(() => undefined);
    }
    // The agent keeps retrying (at its backoff cap); every attempt is refused.
    const refusedBefore = refusals('subnet-a');
    await expect.poll(() => refusals('subnet-a'), { timeout: 5000 }).toBeGreaterThan(refusedBefore + 1);
    expect(airlock.gateway.tunnel.connection('kitchen-http')).toBeUndefined();
    expect(await listed('subnet-a')).toMatchObject({ connected: false, revokedBy: 'anonymous' });
    expect(agentLogs).toMatch(/refused this agent's token/);
  });
});
