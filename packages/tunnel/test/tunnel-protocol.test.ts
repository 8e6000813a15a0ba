import * as grpc from '@grpc/grpc-js';
import { AirlockError } from '@airlock/core';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCredentialsMetadata } from '../src/auth/agent-credentials-metadata.js';
import type { ControlResponse__Output } from '../src/generated/airlock/tunnel/v1/ControlResponse.js';
import { tunnelProto } from '../src/proto/load-tunnel-proto.js';
import {
  AGENT_ID,
  AGENT_TOKEN,
  sessionRequest,
  startServer,
  testCertificate,
  waitUntil,
} from './tunnel-harness.js';

/** A hand-driven agent speaking raw protocol messages, to test what a TunnelClient never does. */
async function rawAgent(port: number, agentId = AGENT_ID) {
  const { cert } = await testCertificate();
  const { TunnelService } = tunnelProto();
  const client = new TunnelService(`127.0.0.1:${port}`, grpc.credentials.createSsl(cert), {
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });
  const call = client.Control(agentCredentialsMetadata({ agentId: AGENT_ID, token: AGENT_TOKEN }));
  const received: ControlResponse__Output[] = [];
  const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  call.on('error', () => undefined);
  call.on('data', (m: ControlResponse__Output) => received.push(m));
  call.write({
    hello: {
      agentId,
      version: 'raw',
      connections: [{ name: 'echo', transport: 'TRANSPORT_STDIO', eras: ['PROTOCOL_ERA_LEGACY'] }],
    },
  });
  return { client, call, received, status };
}

describe('tunnel: control protocol edges', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('passes the agent OpenRejected failure to the caller of openSession', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const agent = await rawAgent(server.port);
    cleanup.push(() => agent.client.close());
    await waitUntil(() => agent.received.some((m) => m.kind === 'welcome'), 2000, 'welcome');
    expect(agent.received[0]?.welcome).toMatchObject({
      gatewayId: 'gw-test',
      heartbeatIntervalMs: 1000,
      maxChunkBytes: 262144,
    });
    agent.call.on('data', (m: ControlResponse__Output) => {
      if (m.kind !== 'openSession' || !m.openSession) return;
      expect(m.openSession).toMatchObject({
        connection: 'echo',
        sessionId: 'p-1',
        kind: 'SESSION_KIND_SESSION',
        era: 'PROTOCOL_ERA_LEGACY',
        protocolVersion: '2025-06-18',
        caller: { subject: 'user-1', email: 'u@example.com', groups: ['eng'], anonymous: false },
        forwardHeaders: { 'mcp-param-region': 'eu-west-1' },
      });
      agent.call.write({
        openRejected: {
          openId: m.openSession.openId,
          failure: { code: 'upstream_failed', message: 'The upstream "echo" did not start: ENOENT.' },
        },
      });
    });
    const error = await server.openSession(sessionRequest('p-1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirlockError);
    expect(error).toMatchObject({
      code: 'upstream_failed',
      message: 'The upstream "echo" did not start: ENOENT.',
    });
    expect(server.agents()[0]?.activeSessions).toBe(0);
  });

  it('gives up with agent_unavailable when the agent never attaches', async () => {
    const server = await startServer({ openTimeoutMs: 150 });
    cleanup.push(() => server.close());
    const agent = await rawAgent(server.port);
    cleanup.push(() => agent.client.close());
    await waitUntil(() => server.agents().length === 1, 2000, 'agent');
    const started = Date.now();
    await expect(server.openSession(sessionRequest('p-2'))).rejects.toMatchObject({
      code: 'agent_unavailable',
      message: expect.stringContaining('did not open the session within 150 ms'),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('rejects a pending open when the agent disconnects meanwhile', async () => {
    const server = await startServer({ openTimeoutMs: 5000 });
    cleanup.push(() => server.close());
    const agent = await rawAgent(server.port);
    cleanup.push(() => agent.client.close());
    await waitUntil(() => server.agents().length === 1, 2000, 'agent');
    agent.call.on('data', (m: ControlResponse__Output) => {
      if (m.kind === 'openSession') agent.call.cancel();
    });
    const started = Date.now();
    await expect(server.openSession(sessionRequest('p-3'))).rejects.toMatchObject({
      code: 'agent_unavailable',
      message: expect.stringContaining('disconnected before the session opened'),
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a Hello that names another agent id', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const agent = await rawAgent(server.port, 'agent-z');
    cleanup.push(() => agent.client.close());
    const status = await agent.status;
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toContain('agent-z');
    expect(server.agents()).toHaveLength(0);
  });

  it('lets a second Hello from the same agent replace the first control stream', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const events: string[] = [];
    server.on('agentConnected', (a) => events.push(`+${a.id}`));
    server.on('agentDisconnected', (a) => events.push(`-${a.id}`));
    const first = await rawAgent(server.port);
    cleanup.push(() => first.client.close());
    await waitUntil(() => server.agents().length === 1, 2000, 'first agent');
    const second = await rawAgent(server.port);
    cleanup.push(() => second.client.close());
    const status = await first.status;
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.details).toContain('replaced');
    expect(server.agents()).toHaveLength(1);
    expect(events).toEqual(['+agent-a', '-agent-a', '+agent-a']);
  });

  it('refuses a call without credentials', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const { cert } = await testCertificate();
    const { TunnelService } = tunnelProto();
    const client = new TunnelService(`127.0.0.1:${server.port}`, grpc.credentials.createSsl(cert), {
      'grpc.ssl_target_name_override': 'localhost',
    });
    cleanup.push(() => client.close());
    const call = client.Session(new grpc.Metadata());
    call.on('error', () => undefined);
    call.on('data', () => undefined);
    const status = await new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).toContain('airlock-agent-id');
  });
});
