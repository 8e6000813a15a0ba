import { ENV_ACCESS_KEY_ID } from '../helpers/aws-test-env.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AwsCredentialCache, awsEnvironment, createAgentLogger } from '../../src/index.js';

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines };
}

describe('AwsCredentialCache', () => {
  it('resolves through the default provider chain (here: the environment provider, IMDS disabled)', async () => {
    const { logger, lines } = capturingLogger();
    const cache = new AwsCredentialCache(logger);
    cache.start();
    const credentials = await cache.current(5000);
    cache.stop();
    expect(credentials?.accessKeyId).toBe(ENV_ACCESS_KEY_ID);
    expect(lines.join('\n')).not.toContain(process.env['AWS_SECRET_ACCESS_KEY']!);
  });

  it('answers from the cache and resolves again only when the credentials near expiry', async () => {
    let calls = 0;
    const cache = new AwsCredentialCache(pino({ level: 'silent' }), async () => {
      calls++;
      // 30 s left: inside the one-minute slack, so the next caller triggers a refresh.
      return { accessKeyId: `AKIA${calls}`, secretAccessKey: 's', expiration: new Date(Date.now() + 30_000) };
    });
    expect((await cache.current(1000))?.accessKeyId).toBe('AKIA1');
    expect((await cache.current(1000))?.accessKeyId).toBe('AKIA2');
    cache.stop();

    let stableCalls = 0;
    const stable = new AwsCredentialCache(pino({ level: 'silent' }), async () => {
      stableCalls++;
      return {
        accessKeyId: 'AKIASTABLE',
        secretAccessKey: 's',
        expiration: new Date(Date.now() + 3_600_000),
      };
    });
    stable.start();
    await stable.current(1000);
    await stable.current(1000);
    stable.stop();
    expect(stableCalls).toBe(1);
  });

  it('gives up waiting after maxWaitMs and warns once, without any secret', async () => {
    const { logger, lines } = capturingLogger();
    const cache = new AwsCredentialCache(logger, () => new Promise(() => undefined));
    cache.start();
    const started = Date.now();
    expect(await cache.current(100)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await cache.current(10)).toBeUndefined();
    cache.stop();
    const warnings = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain('without AWS credentials');
  });
});

describe('awsEnvironment', () => {
  it('maps credentials and region onto the variables every AWS SDK reads', () => {
    expect(
      awsEnvironment({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' }, 'eu-central-1'),
    ).toEqual({
      AWS_ACCESS_KEY_ID: 'A',
      AWS_SECRET_ACCESS_KEY: 'S',
      AWS_SESSION_TOKEN: 'T',
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
    });
    expect(awsEnvironment({ accessKeyId: 'A', secretAccessKey: 'S' }, undefined)).toEqual({
      AWS_ACCESS_KEY_ID: 'A',
      AWS_SECRET_ACCESS_KEY: 'S',
    });
  });
});

describe('createAgentLogger', () => {
  it('redacts credentials and tokens wherever a careless log line puts them', () => {
    const lines: string[] = [];
    const logger = createAgentLogger('info', { write: (line: string) => void lines.push(line) });
    logger.info(
      { token: 't0ken', credentials: { secretAccessKey: 'very-secret', sessionToken: 'st' } },
      'oops',
    );
    logger.info(
      { env: { AWS_SECRET_ACCESS_KEY: 'env-secret' }, headers: { authorization: 'Bearer abc' } },
      'oops',
    );
    const text = lines.join('');
    for (const secret of ['t0ken', 'very-secret', '"st"', 'env-secret', 'Bearer abc'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
