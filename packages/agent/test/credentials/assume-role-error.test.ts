import { describe, expect, it } from 'vitest';
import { assumeRoleError, refusalOf } from '../../src/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/mcp-readonly';
const stsError = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('STS errors, as a session failure', () => {
  it('tells a refused tag apart from a refused source identity and a refused role', () => {
    const agent = 'User: arn:aws:sts::123456789012:assumed-role/agent/i-1 is not authorized to perform:';
    expect(refusalOf(stsError('AccessDenied', `${agent} sts:TagSession on resource: ${ROLE}`))).toBe(
      'tagging_refused',
    );
    expect(refusalOf(stsError('AccessDenied', `${agent} sts:SetSourceIdentity on resource: ${ROLE}`))).toBe(
      'source_identity_refused',
    );
    expect(refusalOf(stsError('AccessDenied', `${agent} sts:AssumeRole on resource: ${ROLE}`))).toBe('other');
    expect(refusalOf(stsError('Throttling', 'Rate exceeded'))).toBe('other');
  });

  it.each([
    ['AccessDenied', 'not authorized to perform: sts:AssumeRole', 'trust policy'],
    ['AccessDenied', 'not authorized to perform: sts:SetSourceIdentity', 'aws.sourceIdentity: false'],
    ['RegionDisabledException', 'STS is not activated in this region', 'activate it'],
    [
      'ExpiredTokenException',
      'The security token included in the request is expired',
      "agent's own AWS credentials",
    ],
    ['Throttling', 'Rate exceeded', 'retry in a moment'],
    ['MalformedPolicyDocumentException', 'bad policy', 'aws.policy'],
    ['PackedPolicyTooLargeException', 'too large', 'aws.sessionTags: false'],
    ['TimeoutError', 'connect ETIMEDOUT', 'reach STS'],
  ])('%s names the connection and the role and says what to check', (name, message, advice) => {
    const error = assumeRoleError(stsError(name, message), 'billing', ROLE);
    expect(error.code).toBe('aws_role_unavailable');
    expect(error.message).toContain('connection "billing"');
    expect(error.message).toContain(ROLE);
    expect(error.message).toContain(name);
    expect(error.message).toContain(advice);
    expect(error.data).toMatchObject({ connection: 'billing', roleArn: ROLE, stsError: name });
  });

  it('never repeats an access key id STS put in its message', () => {
    const error = assumeRoleError(
      stsError('InvalidClientTokenId', 'The key ASIAABCDEFGHIJKLMNOP is invalid; AKIAABCDEFGHIJKLMNOP too'),
      'billing',
      ROLE,
    );
    expect(error.message).not.toMatch(/(AKIA|ASIA)[A-Z0-9]{16}/);
    expect(error.message).toContain('[access key id]');
  });
});
