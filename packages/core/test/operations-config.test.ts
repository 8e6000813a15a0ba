import { describe, expect, it } from 'vitest';
import { AirlockError, parseConfig } from '../src/index.js';

const gateway = (extra: string) => `gateway:
  tunnel: { tls: { certFile: t.crt, keyFile: t.key } }
${extra}`;
const agent = (extra: string) => `agent:
  id: a
  token: alk_0123456789abcdef0123
  gateways: [{ address: "127.0.0.1:8443" }]
  connections: { c: { transport: stdio, command: node } }
${extra}`;

function problems(text: string): string[] {
  try {
    parseConfig(text, { source: 'airlock.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('operations config', () => {
  it('has no operations listener, no TLS on the MCP listener and no tracing unless asked; 30 s grace', () => {
    const config = parseConfig(gateway('') + agent(''));
    expect(config.gateway?.operations).toBeUndefined();
    expect(config.gateway?.tls).toBeUndefined();
    expect(config.gateway?.telemetry.tracing).toBeUndefined();
    expect(config.gateway?.shutdown.graceSeconds).toBe(30);
    expect(config.agent?.operations).toBeUndefined();
    expect(config.agent?.shutdown.graceSeconds).toBe(30);
  });

  it('puts the operations listeners on loopback, 9464 for the gateway and 9465 for the agent', () => {
    const config = parseConfig(gateway('  operations: {}\n') + agent('  operations: {}\n'));
    expect(config.gateway?.operations?.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config.agent?.operations?.listen).toEqual({ host: '127.0.0.1', port: 9465 });
  });

  it('takes tracing, TLS and a grace period', () => {
    const config = parseConfig(
      gateway(`  tls: { certFile: mcp.crt, keyFile: mcp.key }
  shutdown: { graceSeconds: 45 }
  telemetry: { tracing: { otlpEndpoint: "http://collector:4318/v1/traces", serviceName: gw } }
`),
    );
    expect(config.gateway?.tls).toEqual({ certFile: 'mcp.crt', keyFile: 'mcp.key' });
    expect(config.gateway?.shutdown.graceSeconds).toBe(45);
    expect(config.gateway?.telemetry.tracing).toMatchObject({
      otlpEndpoint: 'http://collector:4318/v1/traces',
      serviceName: 'gw',
    });
  });

  it('names each mistake by its path', () => {
    const found = problems(
      gateway(`  operations: { listen: { port: metrics } }
  shutdown: { graceSeconds: -1 }
  tls: { certFile: mcp.crt }
  telemetry: { tracing: { otlpEndpoint: "collector:4318" }, metrics: true }
`),
    ).join('\n');
    expect(found).toContain('gateway.operations.listen.port');
    expect(found).toContain('gateway.shutdown.graceSeconds');
    expect(found).toContain('gateway.tls.keyFile');
    expect(found).toContain('gateway.telemetry.tracing.otlpEndpoint');
    expect(found).toMatch(/gateway\.telemetry.*metrics/);
  });
});
