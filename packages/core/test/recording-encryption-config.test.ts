import { describe, expect, it } from 'vitest';
import { AirlockError, parseConfig } from '../src/index.js';

const agent = `agent:
  id: a
  token: alk_0123456789abcdef0123
  gateways: [{ address: "127.0.0.1:8443" }]
  connections: { c: { transport: stdio, command: node } }
`;

function parse(text: string) {
  return parseConfig(agent + text, { source: 'airlock.yaml' });
}

function problems(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('recording encryption and retention config', () => {
  it('defaults to 90 days of retention and no encryption', () => {
    const config = parse('');
    expect(config.recording.retentionDays).toBe(90);
    expect(config.recording.encryption).toBeUndefined();
  });

  it('accepts a key file or a KMS key', () => {
    expect(parse('recording: { encryption: { keyFile: ./k } }').recording.encryption).toEqual({
      keyFile: './k',
    });
    expect(
      parse('recording: { encryption: { kmsKeyId: alias/a, region: eu-west-1 }, retentionDays: 30 }')
        .recording,
    ).toMatchObject({ encryption: { kmsKeyId: 'alias/a', region: 'eu-west-1' }, retentionDays: 30 });
  });

  it('refuses both or neither key, and a non-positive retention', () => {
    expect(problems('recording: { encryption: { keyFile: ./k, kmsKeyId: alias/a } }').join('\n')).toMatch(
      /recording\.encryption.*exactly one of keyFile and kmsKeyId/,
    );
    expect(problems('recording: { encryption: {} }').join('\n')).toMatch(/exactly one/);
    expect(problems('recording: { retentionDays: 0 }').join('\n')).toMatch(/recording\.retentionDays/);
  });
});
