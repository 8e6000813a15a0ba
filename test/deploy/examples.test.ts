import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfigText } from './support/config-check.js';
import { repositoryRoot } from './support/repository.js';

/** deploy/examples (production configurations) and deploy/iam (the policies each role needs). */
const examples = join(repositoryRoot, 'deploy/examples');
const iam = join(repositoryRoot, 'deploy/iam');

describe('production configuration examples', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

  it('has a gateway and an agent configuration', () => {
    expect(files.sort()).toEqual(['agent.yaml', 'gateway.yaml']);
  });

  for (const file of files) {
    it(`${file} passes \`airlock config check\``, () => {
      const text = readFileSync(join(examples, file), 'utf8');
      const check = checkConfigText(text, file);
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    });
  }

  it('keeps secrets out of the files: tokens and database URLs come from files', () => {
    const gateway = readFileSync(join(examples, 'gateway.yaml'), 'utf8');
    const agent = readFileSync(join(examples, 'agent.yaml'), 'utf8');
    expect(gateway).toContain('connectionStringFile:');
    expect(gateway).not.toMatch(/^\s*connectionString:/m);
    expect(gateway).not.toMatch(/postgresql:\/\/[^<\s]+:[^<\s]+@/);
    expect(agent).toContain('tokenFile:');
    expect(agent).not.toMatch(/^\s*token:/m);
  });

  it('name each identity provider the notes cover', () => {
    const gateway = readFileSync(join(examples, 'gateway.yaml'), 'utf8');
    for (const provider of ['Okta', 'Entra ID', 'Cognito', 'Keycloak']) expect(gateway).toContain(provider);
  });
});

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
}

function policy(file: string): { Version: string; Statement: Statement[] } {
  return JSON.parse(readFileSync(join(iam, file), 'utf8')) as { Version: string; Statement: Statement[] };
}

function actionsOf(file: string): string[] {
  return policy(file).Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe('IAM policy documents', () => {
  const files = readdirSync(iam).filter((f) => f.endsWith('.json'));

  it('exist for the gateway, the agent and the audit consumer', () => {
    for (const role of ['gateway-policy.json', 'agent-policy.json', 'audit-consumer-policy.json'])
      expect(files).toContain(role);
  });

  for (const file of files) {
    it(`${file} is a valid least-privilege policy: version 2012-10-17, no wildcard action, allow only`, () => {
      const document = policy(file);
      expect(document.Version).toBe('2012-10-17');
      expect(document.Statement.length).toBeGreaterThan(0);
      for (const statement of document.Statement) {
        expect(statement.Effect).toBe('Allow');
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        for (const action of actions) {
          expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
          expect(action).not.toContain('*');
        }
        if (statement.Principal === undefined) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          for (const resource of resources) {
            expect(resource).toMatch(/^arn:aws:/);
            expect(resource).not.toBe('*');
          }
        }
      }
    });
  }

  it('give each role what its code calls, and nothing of another role', () => {
    expect(actionsOf('gateway-policy.json').sort()).toEqual([
      'kinesis:PutRecords',
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(actionsOf('agent-policy.json').sort()).toEqual([
      'kinesis:PutRecords',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sts:AssumeRole',
      'sts:SetSourceIdentity',
      'sts:TagSession',
    ]);
    // The audit consumer reads (airlock audit tail); it never writes or makes keys.
    expect(actionsOf('audit-consumer-policy.json').sort()).toEqual([
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kms:Decrypt',
    ]);
  });

  it('let the agent assume only the connection roles it is given', () => {
    const sts = policy('agent-policy.json').Statement.find((s) => JSON.stringify(s.Action).includes('sts:'));
    expect(sts?.Resource).toBe('arn:aws:iam::ACCOUNT_ID:role/airlock-connection-*');
  });
});
