import './helpers/aws-test-env.js';
import { configSchema, type AgentConfig } from '@airlock/core';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent, type AgentTunnelOptions, type SessionHandler } from '../src/index.js';
import { GatewaySide } from './helpers/gateway-side.js';
import { everythingBin, ScriptFolder } from './helpers/mcp-servers.js';
import { initialize, initialized, openRequest, resultText, toolCall } from './helpers/mcp-messages.js';
import { memoryStreamPair } from './helpers/memory-tunnel-stream.js';

const scripts = new ScriptFolder();
afterAll(() => scripts.cleanup());

const envReporter = scripts.write(
  'env.cjs',
  `require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  const result = msg.method === 'initialize'
    ? { protocolVersion: msg.params.protocolVersion, capabilities: {}, serverInfo: { name: 'env', version: '1' } }
    : { content: [{ type: 'text', text: String(process.env.AWS_ACCESS_KEY_ID) }] };
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});`,
);

function agentConfig(): AgentConfig {
  return configSchema.parse({
    agent: {
      id: 'agent-test',
      token: 'agent-token-0123456789',
      gateways: [{ address: '127.0.0.1:8443' }, { address: '127.0.0.1:9443' }],
      connections: {
        everything: {
          transport: 'stdio',
          command: process.execPath,
          args: [everythingBin, 'stdio'],
          aws: { inject: false },
        },
        aws: { transport: 'stdio', command: process.execPath, args: [envReporter] },
        remote: { transport: 'http', url: 'http://127.0.0.1:9/mcp', eras: ['legacy', 'modern'] },
      },
    },
  }).agent!;
}

describe('createAgent', () => {
  it('dials every gateway, serves sessions for its connections and stops them all', async () => {
    const tunnels: { options: AgentTunnelOptions; onSession: SessionHandler; closed: boolean }[] = [];
    const agent = createAgent(agentConfig(), {
      logger: pino({ level: 'silent' }),
      tunnelFactory: (options, onSession) => {
        const tunnel = { options, onSession, closed: false };
        tunnels.push(tunnel);
        return { close: () => void (tunnel.closed = true) };
      },
    });
    await agent.start();
    expect(tunnels.map((t) => t.options.gateway.address)).toEqual(['127.0.0.1:8443', '127.0.0.1:9443']);
    expect(tunnels[0]?.options).toMatchObject({ agentId: 'agent-test', token: 'agent-token-0123456789' });
    expect(tunnels[0]?.options.connections).toEqual([
      { name: 'everything', transport: 'stdio', eras: ['legacy'] },
      { name: 'aws', transport: 'stdio', eras: ['legacy'] },
      { name: 'remote', transport: 'http', eras: ['legacy', 'modern'] },
    ]);

    // An unknown connection is refused with a clear error.
    const unknown = memoryStreamPair('u-1');
    const unknownGateway = new GatewaySide(unknown.gateway);
    tunnels[1]!.onSession(openRequest('nope', { sessionId: 'u-1' }), unknown.agent);
    const refusal = await unknownGateway.ended;
    expect(refusal?.code).toBe('connection_not_found');
    expect(refusal?.message).toContain('serves no connection named "nope"');

    // Fail closed: a masking policy this agent cannot run refuses the session before its server starts.
    const unmaskable = memoryStreamPair('m-1');
    const unmaskableGateway = new GatewaySide(unmaskable.gateway);
    const backreference = {
      detectors: [],
      custom: [{ type: 'BACKREF', pattern: '(a)\\1', keywords: [], keywordWindow: 64 }],
      replacement: { style: 'type' as const, keepLast: 4 },
    };
    tunnels[1]!.onSession(openRequest('aws', { sessionId: 'm-1', masking: backreference }), unmaskable.agent);
    const unmasked = await unmaskableGateway.ended;
    expect(unmasked?.code).toBe('masking_policy_invalid');
    expect(unmasked?.message).toContain('BACKREF');
    expect(agent.activeSessions).toBe(0);

    // The default credential source (AWS provider chain → env provider here) reaches the server,
    // and what the server prints of it leaves the agent masked.
    const aws = memoryStreamPair('a-1');
    const awsGateway = new GatewaySide(aws.gateway);
    tunnels[0]!.onSession(openRequest('aws', { sessionId: 'a-1' }), aws.agent);
    await awsGateway.send(initialize(0));
    await awsGateway.response(0);
    await awsGateway.send(toolCall(1, 'env', {}));
    expect(resultText((await awsGateway.response(1)).message)).toBe('[MASKED:AWS_ACCESS_KEY_ID]');

    const live = memoryStreamPair('e-1');
    const liveGateway = new GatewaySide(live.gateway);
    tunnels[0]!.onSession(openRequest('everything', { sessionId: 'e-1' }), live.agent);
    await liveGateway.send(initialize(0));
    await liveGateway.response(0);
    await liveGateway.send(initialized);
    expect(agent.activeSessions).toBe(2);

    await agent.stop();
    expect(tunnels.every((t) => t.closed)).toBe(true);
    expect((await liveGateway.ended)?.code).toBe('agent_unavailable');
    expect(agent.activeSessions).toBe(0);
  });
});
