import { describe, expect, it } from 'vitest';
import { AirlockError, parseConfig } from '../src/index.js';

const agentYaml = `
agent:
  id: subnet-a
  token: alk_0123456789abcdef0123
  gateways: [{ address: "127.0.0.1:8443" }]
  connections:
    everything: { transport: stdio, command: node, args: [server.js] }
    web: { transport: http, url: "http://10.0.0.5:3001/mcp" }
`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, { source: 'airlock.yaml', env });
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('config_invalid');
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseConfig', () => {
  it('parses, defaults and freezes', () => {
    const config = parseConfig(agentYaml);
    expect(config.agent?.connections['everything']).toMatchObject({
      transport: 'stdio',
      eras: ['legacy'],
      aws: { inject: true },
    });
    expect(config.logging.level).toBe('info');
    expect(Object.isFrozen(config.agent?.gateways)).toBe(true);
  });

  it('reports every mistake with its path', () => {
    const found = problems(`
gateway:
  listen: { port: "eighty" }
  tunnel: { tls: { certFile: c.pem } }
  colour: blue
`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gateway\.listen\.port: .*number/),
        expect.stringMatching(/^gateway\.tunnel\.tls\.keyFile: /),
        expect.stringMatching(/^gateway: unknown key\(s\) "colour"/),
      ]),
    );
  });

  it('defaults and checks the public listener limits (slow and idle clients)', () => {
    const gateway = `
gateway:
  tunnel: { tls: { certFile: c.pem, keyFile: k.pem } }
`;
    expect(parseConfig(gateway).gateway?.limits).toMatchObject({
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 60,
      idleTimeoutSeconds: 65,
      maxConnections: 10_000,
    });
    const found = problems(
      `${gateway}  limits: { headersTimeoutSeconds: 30, requestTimeoutSeconds: 20, maxConnections: 0 }\n`,
    );
    expect(found.join('\n')).toMatch(
      /gateway\.limits\.headersTimeoutSeconds: .*must not exceed gateway\.limits\.requestTimeoutSeconds/,
    );
    expect(found.join('\n')).toMatch(/gateway\.limits\.maxConnections: /);
  });

  it('refuses a bad connection and a missing token', () => {
    const found = problems(`
agent:
  id: a
  gateways: [{ address: "nohost" }]
  connections:
    Bad Name: { transport: ftp }
`);
    expect(found.join('\n')).toMatch(/agent\.gateways\[0\]\.address: expected host:port/);
    expect(found.join('\n')).toMatch(/agent\.connections/);
    expect(found.join('\n')).toMatch(/agent\.token: the agent needs "token" or "tokenFile"/);
  });

  it('overlays environment variables onto the schema', () => {
    const config = parseConfig(agentYaml, {
      env: {
        AIRLOCK_AGENT__HEARTBEAT_SECONDS: '5',
        AIRLOCK_LOGGING__LEVEL: 'debug',
        AIRLOCK_TRACE: 'tunnel',
      },
    });
    expect(config.agent?.heartbeatSeconds).toBe(5);
    expect(config.logging.level).toBe('debug');
  });

  it("caps the agent's messages at 64 MiB unless agent.limits.maxMessageBytes says otherwise", () => {
    expect(parseConfig(agentYaml).agent?.limits.maxMessageBytes).toBe(64 * 1024 * 1024);
    const raised = parseConfig(agentYaml, {
      env: { AIRLOCK_AGENT__LIMITS__MAX_MESSAGE_BYTES: String(128 * 1024 * 1024) },
    });
    expect(raised.agent?.limits.maxMessageBytes).toBe(128 * 1024 * 1024);
  });

  it('reports YAML syntax errors', () => {
    expect(() => parseConfig('agent: [unclosed', { source: 'x.yaml' })).toThrow(/x\.yaml is not valid YAML/);
  });
});
