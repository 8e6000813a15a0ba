import { PassThrough } from 'node:stream';
import { startAgent } from '@airlock/agent';
import { connectV1Client, KITCHEN_SINK_CRASH_EXIT_CODE } from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import {
  expectRpcError,
  initializeRequest,
  mcpPost,
  resultOf,
  textOf,
  toolCall,
} from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * Faults outside the client's control, through the real gateway + agent: no agent, an upstream
 * process dying mid-call, an agent with the wrong token. Each must fail clearly and leave
 * everything else serving.
 */
let upstreams: Upstreams;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
});

afterAll(async () => {
  await upstreams?.close();
});

type V1Client = Awaited<ReturnType<typeof connectV1Client>>;

async function echo(client: V1Client, text: string): Promise<string> {
  return textOf(await client.callTool({ name: 'echo', arguments: { text } }));
}

function sessionIdOf(client: V1Client): string {
  const id = (client.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
  expect(id).toBeTruthy();
  return id as string;
}

describe('no agent connected', () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({ connections: upstreams.connections, startAgent: false });
  });
  afterAll(async () => {
    await airlock?.close();
  });

  async function expectFastUnavailable(connection: string): Promise<void> {
    const started = performance.now();
    const answer = await mcpPost(airlock.mcpUrl(connection), initializeRequest());
    const elapsed = performance.now() - started;
    expectRpcError(answer, 503, -32003, new RegExp(`"${connection}"`), /agent/, /reconnects/);
    expect(elapsed, 'a request with no agent must fail fast').toBeLessThan(1000);
  }

  it('fails initialize fast with 503 naming the connection, and works once the agent comes', async () => {
    await expectFastUnavailable('kitchen-http');
    await expectFastUnavailable('kitchen-stdio');

    await airlock.startAgent();
    const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    try {
      expect(await echo(client, 'agent is back')).toBe('agent is back');
    } finally {
      await client.close();
    }
  });

  it('fails fast again when the agent leaves, and recovers when it returns', async () => {
    await airlock.stopAgent();
    await expectFastUnavailable('kitchen-stdio');
    await airlock.startAgent();
    const answer = await mcpPost(airlock.mcpUrl('kitchen-stdio'), initializeRequest());
    expect(resultOf(answer)['serverInfo']).toMatchObject({ name: 'airlock-kitchen-sink' });
  });
});

describe('with an agent', () => {
  let airlock: AirlockHarness;

  beforeAll(async () => {
    airlock = await startAirlock({ connections: upstreams.connections });
  });
  afterAll(async () => {
    await airlock?.close();
  });

  it('fails a call whose stdio server crashes with a clear error; other sessions keep working', async () => {
    const victim = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
    const sibling = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
    const other = await connectV1Client(airlock.mcpUrl('kitchen-http'));
    try {
      expect(await echo(sibling, 'before')).toBe('before');
      expect(await echo(other, 'before')).toBe('before');
      const victimSession = sessionIdOf(victim);

      const crashed = await mcpPost(airlock.mcpUrl('kitchen-stdio'), toolCall(99, 'crash', {}), {
        sessionId: victimSession,
      });
      // The call reached the server, so its failure is its JSON-RPC answer (HTTP 200), not a transport error.
      const error = expectRpcError(
        crashed,
        200,
        -32002,
        /"kitchen-stdio"/,
        new RegExp(`exited with code ${KITCHEN_SINK_CRASH_EXIT_CODE}`),
        /start a new session/i,
      );
      expect(error.data).toMatchObject({ airlockCode: 'upstream_failed' });
      expect(crashed.messages.at(-1)).toMatchObject({ id: 99 });

      // The crashed session is over, and says so.
      const later = await mcpPost(airlock.mcpUrl('kitchen-stdio'), toolCall(100, 'echo', { text: 'x' }), {
        sessionId: victimSession,
      });
      expectRpcError(
        later,
        404,
        -32001,
        /has ended/,
        new RegExp(`exited with code ${KITCHEN_SINK_CRASH_EXIT_CODE}`),
        /new session/,
      );

      // Everything else still serves: the same connection, another connection, a brand-new session.
      expect(await echo(sibling, 'after')).toBe('after');
      expect(await echo(other, 'after')).toBe('after');
      const fresh = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
      expect(await echo(fresh, 'fresh')).toBe('fresh');
      await fresh.close();
    } finally {
      await Promise.allSettled([victim.close(), sibling.close(), other.close()]);
    }
  });

  it('surfaces the crash to an SDK client as an error for its call', async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
    try {
      // An in-band JSON-RPC error reaches the SDK as an McpError for this very call.
      const failure = await client.callTool({ name: 'crash', arguments: {} }).then(
        () => undefined,
        (error: unknown) => error as Error & { code?: number },
      );
      expect(failure?.code).toBe(-32002);
      expect(failure?.message).toMatch(/kitchen-stdio/);
      expect(failure?.message).toMatch(new RegExp(`exited with code ${KITCHEN_SINK_CRASH_EXIT_CODE}`));
    } finally {
      await client.close().catch(() => undefined);
    }
  });

  it('refuses an agent with a wrong token, and logs the refusal without any token', async () => {
    const wrongToken = 'wrong-token-0123456789abcdef-not-enrolled';
    let agentLog = '';
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (agentLog += chunk.toString('utf8')));
    const before = airlock.logs().length;
    const impostor = await startAgent(
      { ...airlock.config.agent!, token: wrongToken },
      { logger: pino({ level: 'debug' }, sink), version: 'impostor' },
    );
    try {
      const deadline = Date.now() + 5000;
      while (!agentLog.includes("refused this agent's token") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // The impostor ends up in backoff, told why.
      expect(agentLog).toContain("the gateway refused this agent's token");

      const refusals = airlock
        .logs()
        .slice(before)
        .split('\n')
        .filter((line) => line.includes('agent authentication failed'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals[0]).toMatchObject({ agentId: 'e2e-agent', tokenPresented: true, method: 'Control' });

      // The genuine agent (same id) is still the one connected, and still serves.
      expect(airlock.gateway.tunnel.agents().map((a) => a.version)).toEqual(['e2e']);
      const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
      expect(await echo(client, 'genuine')).toBe('genuine');
      await client.close();
    } finally {
      await impostor.stop();
    }
    for (const log of [airlock.logs(), agentLog]) {
      expect(log).not.toContain(wrongToken);
      expect(log).not.toContain(airlock.agentToken);
    }
  });
});
