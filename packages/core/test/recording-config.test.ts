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

describe('recording config', () => {
  it('records by default: strict, interval fsync, PGlite store, no Kinesis', () => {
    expect(parse('').recording).toMatchObject({
      enabled: true,
      mode: 'strict',
      spool: { segmentBytes: 64 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 100 },
      store: { kind: 'pglite' },
      modernSessionIdleSeconds: 300,
    });
    expect(parse('').recording.kinesis).toBeUndefined();
  });

  it('takes a Kinesis stream and the agent data directory', () => {
    const config = parse(
      '  dataDir: /var/lib/airlock\nrecording: { kinesis: { stream: audit, region: eu-west-1 } }',
    );
    expect(config.agent?.dataDir).toBe('/var/lib/airlock');
    expect(config.recording.kinesis).toEqual({ stream: 'audit', region: 'eu-west-1' });
  });

  it('refuses a PostgreSQL store without a connection string, and unknown modes', () => {
    expect(problems('recording: { store: { kind: postgres } }')).toEqual([
      expect.stringMatching(
        /^recording\.store\.connectionString: .*needs connectionString or connectionStringFile/,
      ),
    ]);
    expect(problems('recording: { mode: sometimes }')[0]).toMatch(/^recording\.mode/);
  });

  it('maps environment variables onto the section', () => {
    const config = parseConfig(agent, { env: { AIRLOCK_RECORDING__MODE: 'best-effort' } });
    expect(config.recording.mode).toBe('best-effort');
  });
});
