import { describe, expect, it } from 'vitest';
import { parseConfig, type AirlockError } from '../src/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/mcp-readonly';

function agentWith(connection: Record<string, unknown>): string {
  return JSON.stringify({
    agent: {
      id: 'subnet-a',
      token: 'alk_0123456789abcdef0123',
      gateways: [{ address: '127.0.0.1:8443' }],
      connections: { billing: connection },
    },
  });
}
const stdio = (aws: Record<string, unknown>) => agentWith({ transport: 'stdio', command: 'node', aws });
const http = (aws: Record<string, unknown>) =>
  agentWith({ transport: 'http', url: 'https://mcp.example.com/mcp', aws });

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (error) {
    expect((error as AirlockError).code).toBe('config_invalid');
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('the aws settings of a connection', () => {
  it('defaults a role to 15 minutes, with source identity and session tags', () => {
    const config = parseConfig(stdio({ roleArn: ROLE, policy: { Version: '2012-10-17', Statement: [] } }));
    expect(config.agent?.connections['billing']).toMatchObject({
      aws: {
        inject: true,
        roleArn: ROLE,
        durationSeconds: 900,
        sourceIdentity: true,
        sessionTags: true,
        policy: '{"Version":"2012-10-17","Statement":[]}',
      },
    });
  });

  it('refuses what STS would refuse, each with its reason', () => {
    expect(problems(stdio({ roleArn: 'arn:aws:iam::123456789012:user/alice' })).join('\n')).toContain(
      'roleArn must be an IAM role ARN',
    );
    expect(problems(stdio({ roleArn: ROLE, durationSeconds: 600 })).join('\n')).toMatch(/durationSeconds/);
    expect(problems(stdio({ roleArn: ROLE, durationSeconds: 43_201 })).join('\n')).toMatch(/durationSeconds/);
    expect(problems(stdio({ roleArn: ROLE, policy: '{not json' })).join('\n')).toContain('not valid JSON');
    const long = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'x'.repeat(2100) }] };
    expect(problems(stdio({ roleArn: ROLE, policy: long })).join('\n')).toContain('STS accepts at most 2048');
    expect(problems(stdio({ externalId: 'abc' })).join('\n')).toContain('externalId needs roleArn');
    expect(problems(stdio({ inject: false, roleArn: ROLE })).join('\n')).toContain(
      'roleArn needs inject: true',
    );
  });

  it('lets an HTTP connection sign with SigV4, with or without a role', () => {
    const signed = parseConfig(
      http({ sigv4: { service: 'execute-api', region: 'eu-west-1' }, roleArn: ROLE }),
    );
    expect(signed.agent?.connections['billing']).toMatchObject({
      aws: { sigv4: { service: 'execute-api', region: 'eu-west-1' }, roleArn: ROLE, durationSeconds: 900 },
    });
    expect(problems(http({ roleArn: ROLE })).join('\n')).toMatch(/sigv4/);
  });
});
