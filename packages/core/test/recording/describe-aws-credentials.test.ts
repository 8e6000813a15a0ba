import { describe, expect, it } from 'vitest';
import { describeAwsCredentials } from '../../src/index.js';

describe('describeAwsCredentials', () => {
  it('names the role, the person and the tags, in one line for replays and transcripts', () => {
    expect(
      describeAwsCredentials({
        roleArn: 'arn:aws:iam::123456789012:role/mcp-vault',
        roleSessionName: 'airlock-alice@example.com',
        sourceIdentity: 'alice@example.com',
        sessionTags: ['airlock:subject', 'airlock:connection', 'airlock:session'],
        expiresAt: '2026-12-04T16:15:00.000Z',
        use: 'environment',
      }),
    ).toBe(
      'AWS ROLE arn:aws:iam::123456789012:role/mcp-vault as airlock-alice@example.com (source identity alice@example.com) tags airlock:subject, airlock:connection, airlock:session via environment until 2026-12-04T16:15:00.000Z',
    );
  });

  it('says when the credentials went untagged', () => {
    expect(
      describeAwsCredentials({
        roleArn: 'arn:aws:iam::123456789012:role/r',
        roleSessionName: 'airlock-bob',
        sessionTags: [],
        use: 'sigv4',
      }),
    ).toBe('AWS ROLE arn:aws:iam::123456789012:role/r as airlock-bob untagged via sigv4');
  });
});
