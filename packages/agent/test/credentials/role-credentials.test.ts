import '../helpers/aws-test-env.js';
import { Writable } from 'node:stream';
import type { Caller } from '@airlock/core';
import { startFakeSts, type RunningFakeSts } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixedCredentials, RoleCredentials, type AssumableRole } from '../../src/index.js';

const ROLE = 'arn:aws:iam::123456789012:role/mcp-readonly';
const AGENT_KEY_ID = 'AKIAAGENTOWNKEY00001';
const AGENT_SECRET = 'agent-own-secret-not-real';
const POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

const alice: Caller = { subject: 'u-alice', email: 'alice@example.com', groups: ['sre'], anonymous: false };
const bob: Caller = { subject: 'u-bob', email: 'bob@example.com', groups: ['sre'], anonymous: false };

let sts: RunningFakeSts;
const caches: RoleCredentials[] = [];

beforeAll(async () => {
  sts = await startFakeSts();
});
afterAll(async () => {
  await sts?.close();
});
afterEach(() => {
  for (const cache of caches.splice(0)) cache.close();
  sts.setLifetimeSeconds(undefined);
});

function role(overrides: Partial<AssumableRole> = {}): AssumableRole {
  return {
    roleArn: ROLE,
    durationSeconds: 900,
    sourceIdentity: true,
    sessionTags: true,
    region: 'eu-west-1',
    stsEndpoint: sts.endpoint,
    ...overrides,
  };
}

function roleCredentials(refreshBeforeMs?: number) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const cache = new RoleCredentials({
    source: fixedCredentials({ accessKeyId: AGENT_KEY_ID, secretAccessKey: AGENT_SECRET }),
    logger,
    ...(refreshBeforeMs === undefined ? {} : { refreshBeforeMs }),
  });
  caches.push(cache);
  return { cache, logs: () => lines.join('') };
}

const callsFor = (roleArn: string) => sts.calls.filter((c) => c.roleArn === roleArn);

describe('RoleCredentials against an STS AssumeRole endpoint', () => {
  it('sends the role, duration, external id, session policy, source identity and tags, signed with the agent’s own key', async () => {
    const arn = 'arn:aws:iam::123456789012:role/exact-params';
    const { cache, logs } = roleCredentials();
    const assumed = await cache.forSession({
      connection: 'billing',
      role: role({ roleArn: arn, externalId: 'ext-42', policy: POLICY, durationSeconds: 1800 }),
      caller: alice,
      sessionId: 'session-1',
    });
    expect(callsFor(arn)).toEqual([
      {
        roleArn: arn,
        roleSessionName: 'airlock-alice@example.com',
        durationSeconds: 1800,
        externalId: 'ext-42',
        policy: POLICY,
        sourceIdentity: 'alice@example.com',
        tags: {
          'airlock:subject': 'u-alice',
          'airlock:connection': 'billing',
          'airlock:session': 'session-1',
        },
        callerAccessKeyId: AGENT_KEY_ID,
        outcome: 'issued',
      },
    ]);
    const issued = sts.issued.at(-1)!;
    expect(assumed.credentials).toMatchObject({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    });
    expect(assumed.credentials.expiration?.getTime()).toBe(issued.expiration.getTime());
    expect(assumed.attribution).toEqual({
      roleArn: arn,
      roleSessionName: 'airlock-alice@example.com',
      sourceIdentity: 'alice@example.com',
      sessionTags: ['airlock:subject', 'airlock:connection', 'airlock:session'],
      expiresAt: issued.expiration.toISOString(),
    });
    expect(logs()).not.toContain(issued.secretAccessKey);
    expect(logs()).not.toContain(issued.sessionToken);
  });

  it('caches per (connection, person): one call for concurrent and later sessions, another person gets their own', async () => {
    const arn = 'arn:aws:iam::123456789012:role/cached';
    const { cache } = roleCredentials();
    const ask = (caller: Caller, connection = 'billing', sessionId = 's') =>
      cache.forSession({ connection, role: role({ roleArn: arn }), caller, sessionId });
    const [a1, a2] = await Promise.all([ask(alice, 'billing', 's1'), ask(alice, 'billing', 's2')]);
    const a3 = await ask(alice, 'billing', 's3');
    const b1 = await ask(bob);
    const other = await ask(alice, 'reports');
    expect(callsFor(arn).map((c) => `${c.sourceIdentity} ${c.tags['airlock:connection']}`)).toEqual([
      'alice@example.com billing',
      'bob@example.com billing',
      'alice@example.com reports',
    ]);
    expect(a2.credentials).toBe(a1.credentials);
    expect(a3.credentials).toBe(a1.credentials);
    expect(b1.credentials.accessKeyId).not.toBe(a1.credentials.accessKeyId);
    expect(other.credentials.accessKeyId).not.toBe(a1.credentials.accessKeyId);
  });

  it('assumes the role again once the cached credentials are within the refresh window of expiry', async () => {
    const arn = 'arn:aws:iam::123456789012:role/refreshing';
    const { cache } = roleCredentials(5 * 60_000);
    const ask = () =>
      cache.forSession({ connection: 'c', role: role({ roleArn: arn }), caller: alice, sessionId: 's' });
    sts.setLifetimeSeconds(4 * 60); // expires inside the 5-minute refresh window
    const first = await ask();
    sts.setLifetimeSeconds(undefined);
    const second = await ask();
    const third = await ask();
    expect(callsFor(arn)).toHaveLength(2);
    expect(second.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(third.credentials).toBe(second.credentials);
  });

  it('fails with aws_role_unavailable naming the connection and role when STS denies the role', async () => {
    const arn = 'arn:aws:iam::123456789012:role/denied';
    sts.denyRole(arn);
    const { cache } = roleCredentials();
    const failure = await cache
      .forSession({ connection: 'billing', role: role({ roleArn: arn }), caller: alice, sessionId: 's' })
      .then(
        () => ({ code: 'none', message: 'assumed' }),
        (error: unknown) => error as { code: string; message: string },
      );
    expect(failure).toMatchObject({ code: 'aws_role_unavailable' });
    expect(failure.message).toContain(arn);
    expect(failure.message).toContain('connection "billing"');
    expect(failure.message).toContain('AccessDenied');
    expect(failure.message).not.toContain(AGENT_SECRET);
  });

  it('assumes a role that forbids tagging without tags, remembers that, and warns once', async () => {
    const arn = 'arn:aws:iam::123456789012:role/untaggable';
    sts.forbidTagging(arn);
    const { cache, logs } = roleCredentials();
    const first = await cache.forSession({
      connection: 'c',
      role: role({ roleArn: arn }),
      caller: alice,
      sessionId: 's',
    });
    const second = await cache.forSession({
      connection: 'c',
      role: role({ roleArn: arn }),
      caller: bob,
      sessionId: 't',
    });
    expect(callsFor(arn).map((c) => [c.outcome, Object.keys(c.tags).length])).toEqual([
      ['AccessDenied', 3],
      ['issued', 0],
      ['issued', 0], // remembered: bob's call goes without tags at once
    ]);
    expect(first.attribution.sessionTags).toEqual([]);
    expect(second.attribution.sourceIdentity).toBe('bob@example.com');
    expect(logs().match(/does not allow sts:TagSession/g)).toHaveLength(1);
  });

  it('fails when the role refuses the source identity, unless the connection goes without it', async () => {
    const arn = 'arn:aws:iam::123456789012:role/no-source-identity';
    sts.forbidSourceIdentity(arn);
    const { cache } = roleCredentials();
    const failure = await cache
      .forSession({ connection: 'c', role: role({ roleArn: arn }), caller: alice, sessionId: 's' })
      .then(
        () => ({ code: 'none', message: 'assumed' }),
        (error: unknown) => error as { code: string; message: string },
      );
    expect(failure.code).toBe('aws_role_unavailable');
    expect(failure.message).toContain('add it');
    expect(failure.message).toContain('sts:SetSourceIdentity');

    const without = await cache.forSession({
      connection: 'c2',
      role: role({ roleArn: arn, sourceIdentity: false }),
      caller: alice,
      sessionId: 's',
    });
    expect(without.attribution.sourceIdentity).toBeUndefined();
    expect(callsFor(arn).at(-1)).toMatchObject({
      sourceIdentity: undefined,
      roleSessionName: 'airlock-alice@example.com',
    });
  });

  it('refuses a session without an authenticated person (fail closed)', async () => {
    const { cache } = roleCredentials();
    const before = sts.calls.length;
    await expect(
      cache.forSession({
        connection: 'c',
        role: role(),
        caller: { subject: 'anonymous', groups: [], anonymous: true },
        sessionId: 's',
      }),
    ).rejects.toMatchObject({ code: 'aws_role_unavailable' });
    expect(sts.calls.length).toBe(before);
  });
});
