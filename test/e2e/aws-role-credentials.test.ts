import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { verifySession, type RecordingStore } from '@airlock/recording';
import {
  connectV1Client,
  startFakeSts,
  startKitchenSinkHttp,
  startTestIdentityProvider,
  testkitBins,
  waitFor,
  type RunningFakeSts,
  type RunningServer,
  type TestIdentityProvider,
} from '@airlock/testkit';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { textOf } from './support/mcp-http.js';
import { startSigv4Upstream, type Sigv4Upstream } from './support/sigv4-upstream.js';
import { TEST_AWS_ACCESS_KEY_ID, useTestAwsCredentials } from './support/upstreams.js';

/**
 * Per-person AWS role credentials, end to end: a real identity provider with two people, gateway
 * and agent over the gRPC tunnel, the real @aws-sdk/client-sts talking to an in-process STS,
 * kitchen-sink MCP servers the agent starts with the person's temporary credentials, an HTTP
 * upstream that checks SigV4 signatures, and the recording in PGlite.
 */
const PUBLIC_URL = 'https://airlock.sts.test';
const account = 'arn:aws:iam::123456789012:role';
const ROLES = {
  vault: `${account}/mcp-vault`,
  refused: `${account}/mcp-not-trusting-the-agent`,
  untagged: `${account}/mcp-no-tag-session`,
  shortlived: `${account}/mcp-short`,
  signed: `${account}/mcp-signed`,
} as const;
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
};

let idp: TestIdentityProvider;
let sts: RunningFakeSts;
let kitchen: RunningServer;
let signedUpstream: Sigv4Upstream;
let airlock: AirlockHarness;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
type V1Client = Awaited<ReturnType<typeof connectV1Client>>;

function stdioWithRole(roleArn: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transport: 'stdio',
    command: process.execPath,
    args: [testkitBins.kitchenSinkStdio],
    aws: { inject: true, region: 'eu-west-1', roleArn, stsEndpoint: sts.endpoint, ...extra },
    killGraceMs: 500,
  };
}

beforeAll(async () => {
  useTestAwsCredentials();
  idp = await startTestIdentityProvider();
  sts = await startFakeSts();
  sts.denyRole(ROLES.refused);
  sts.forbidTagging(ROLES.untagged);
  kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  signedUpstream = await startSigv4Upstream({
    targetUrl: kitchen.url,
    service: 'execute-api',
    region: 'eu-west-1',
    known: (accessKeyId) => {
      const issued = sts.issued.find((c) => c.accessKeyId === accessKeyId);
      return issued && { ...issued, owner: issued.sourceIdentity ?? '?' };
    },
  });
  airlock = await startAirlock({
    connections: {
      vault: stdioWithRole(ROLES.vault, { externalId: 'airlock-e2e', policy: POLICY }),
      refused: stdioWithRole(ROLES.refused),
      untagged: stdioWithRole(ROLES.untagged),
      shortlived: stdioWithRole(ROLES.shortlived),
      signed: {
        transport: 'http',
        url: signedUpstream.url,
        aws: {
          sigv4: { service: 'execute-api', region: 'eu-west-1' },
          roleArn: ROLES.signed,
          stsEndpoint: sts.endpoint,
        },
      },
    },
    gateway: {
      publicUrl: PUBLIC_URL,
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }], clockSkewSeconds: 0 },
      access: { rules: [{ groups: ['sre', 'auditors'], connections: ['*'] }] },
    },
    recording: { spool: { fsync: 'never' } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await signedUpstream?.close();
  await kitchen?.close();
  await sts?.close();
  await idp?.close();
});

const store = (): RecordingStore => airlock.gateway.recording?.store as RecordingStore;

async function connectAs(user: string, connection: string): Promise<V1Client> {
  const token = await idp.issueAccessToken({ user, resource: `${PUBLIC_URL}/mcp/${connection}` });
  return connectV1Client(`http://127.0.0.1:${airlock.gateway.http.port}/mcp/${connection}`, {
    name: 'aws-roles-e2e',
    headers: { authorization: `Bearer ${token}` },
  });
}

async function endSession(client: V1Client): Promise<string> {
  const transport = client.transport as StreamableHTTPClientTransport;
  const sessionId = transport.sessionId!;
  await transport.terminateSession();
  await client.close();
  return sessionId;
}

/** What the server's environment holds, as digests (the values themselves never leave the agent). */
async function awsDigests(client: V1Client): Promise<{ keyId: string; secret: string; token: string }> {
  const digest = async (name: string) =>
    textOf(await client.callTool({ name: 'env-sha256', arguments: { name } }));
  return {
    keyId: await digest('AWS_ACCESS_KEY_ID'),
    secret: await digest('AWS_SECRET_ACCESS_KEY'),
    token: await digest('AWS_SESSION_TOKEN'),
  };
}

const issuedFor = (roleArn: string, person: string) =>
  sts.issued.filter((c) => c.roleArn === roleArn && c.sourceIdentity === person);

async function recordedSession(sessionId: string): Promise<RecordingEvent[]> {
  return waitFor(`the recording of ${sessionId}`, async () => {
    const events = await store().getEvents(sessionId);
    const ends = events.filter((e) => e.kind === 'session_end');
    return ends.some((e) => e.source === 'agent') && ends.some((e) => e.source === 'gateway')
      ? events
      : undefined;
  });
}

function bytesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else parts.push(readFileSync(full));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

describe('per-person role credentials for stdio servers', () => {
  it('gives alice and bob their own temporary credentials, assumed with the exact parameters', async () => {
    const alice = await connectAs('alice', 'vault');
    const aliceSeen = await awsDigests(alice);
    const aliceSession = await endSession(alice);
    const bob = await connectAs('bob', 'vault');
    const bobSeen = await awsDigests(bob);
    await endSession(bob);

    const [aliceIssued] = issuedFor(ROLES.vault, 'alice@example.com');
    const [bobIssued] = issuedFor(ROLES.vault, 'bob@example.com');
    expect(aliceSeen).toEqual({
      keyId: sha256(aliceIssued!.accessKeyId),
      secret: sha256(aliceIssued!.secretAccessKey),
      token: sha256(aliceIssued!.sessionToken),
    });
    expect(bobSeen).toEqual({
      keyId: sha256(bobIssued!.accessKeyId),
      secret: sha256(bobIssued!.secretAccessKey),
      token: sha256(bobIssued!.sessionToken),
    });
    expect(bobSeen.secret).not.toBe(aliceSeen.secret);
    // Never the agent's own credentials.
    expect(aliceSeen.keyId).not.toBe(sha256(TEST_AWS_ACCESS_KEY_ID));

    const calls = sts.calls.filter((c) => c.roleArn === ROLES.vault);
    expect(calls[0]).toEqual({
      roleArn: ROLES.vault,
      roleSessionName: 'airlock-alice@example.com',
      durationSeconds: 900,
      externalId: 'airlock-e2e',
      policy: JSON.stringify(POLICY),
      sourceIdentity: 'alice@example.com',
      tags: { 'airlock:subject': 'alice', 'airlock:connection': 'vault', 'airlock:session': aliceSession },
      callerAccessKeyId: TEST_AWS_ACCESS_KEY_ID,
      outcome: 'issued',
    });
    expect(calls.map((c) => c.sourceIdentity)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('reuses a person’s cached credentials for their next session', async () => {
    const before = sts.calls.length;
    const alice = await connectAs('alice', 'vault');
    const seen = await awsDigests(alice);
    await endSession(alice);
    expect(sts.calls.length).toBe(before);
    expect(seen.secret).toBe(sha256(issuedFor(ROLES.vault, 'alice@example.com')[0]!.secretAccessKey));
  });

  it('masks the temporary credentials a server prints, for the client and in every recorded byte; records the role', async () => {
    const alice = await connectAs('alice', 'vault');
    const printed = async (name: string) =>
      textOf(await alice.callTool({ name: 'env', arguments: { name } }));
    const keyId = await printed('AWS_ACCESS_KEY_ID');
    const secret = await printed('AWS_SECRET_ACCESS_KEY');
    const token = await printed('AWS_SESSION_TOKEN');
    const sessionId = await endSession(alice);
    expect(keyId).toBe('[MASKED:AWS_ACCESS_KEY_ID]');
    expect(secret).toBe('[MASKED:AWS_SECRET_ACCESS_KEY]');
    expect(token).toBe('[MASKED:AWS_SESSION_TOKEN]');

    const events = await recordedSession(sessionId);
    const role = events.filter((e) => e.kind === 'aws_credentials');
    expect(role).toHaveLength(1);
    expect(role[0]).toMatchObject({
      source: 'agent',
      awsCredentials: {
        roleArn: ROLES.vault,
        roleSessionName: 'airlock-alice@example.com',
        sourceIdentity: 'alice@example.com',
        sessionTags: ['airlock:subject', 'airlock:connection', 'airlock:session'],
        use: 'environment',
      },
    });
    // The client's self-description still opens the agent's chain.
    const agentStart = events.find((e) => e.source === 'agent' && e.kind === 'session_start');
    expect(agentStart?.start?.clientInfo).toMatchObject({ name: 'aws-roles-e2e' });
    expect(verifySession(events).ok).toBe(true);

    const issued = issuedFor(ROLES.vault, 'alice@example.com')[0]!;
    const everything = Buffer.concat([Buffer.from(JSON.stringify(events)), bytesUnder(airlock.dir)]);
    for (const value of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]) {
      expect(everything.includes(value)).toBe(false);
    }
    for (const value of [issued.secretAccessKey, issued.sessionToken, issued.accessKeyId]) {
      expect(airlock.logs()).not.toContain(value);
    }
  });

  it('fails a session whose role STS refuses, naming the connection and role, while other connections keep working', async () => {
    const failure = await connectAs('alice', 'refused').then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toContain(ROLES.refused);
    expect(failure?.message).toContain('"refused"');
    expect(failure?.message).toContain('AccessDenied');
    expect(failure?.message).toContain('trust policy');

    const alice = await connectAs('alice', 'vault');
    expect(textOf(await alice.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toContain(
      'still here',
    );
    await endSession(alice);
  });

  it('assumes a role whose trust policy forbids tagging without tags, and records the session as untagged', async () => {
    const alice = await connectAs('alice', 'untagged');
    const seen = await awsDigests(alice);
    const sessionId = await endSession(alice);
    const calls = sts.calls.filter((c) => c.roleArn === ROLES.untagged);
    expect(calls.map((c) => [c.outcome, Object.keys(c.tags).length])).toEqual([
      ['AccessDenied', 3],
      ['issued', 0],
    ]);
    expect(calls[1]?.sourceIdentity).toBe('alice@example.com');
    expect(seen.secret).toBe(sha256(issuedFor(ROLES.untagged, 'alice@example.com')[0]!.secretAccessKey));
    const events = await recordedSession(sessionId);
    expect(events.find((e) => e.kind === 'aws_credentials')?.awsCredentials).toMatchObject({
      roleArn: ROLES.untagged,
      sourceIdentity: 'alice@example.com',
      sessionTags: [],
    });
    expect(airlock.logs()).toContain('does not allow sts:TagSession');
  });

  it('refreshes credentials near expiry: the next session starts its server with new ones', async () => {
    sts.setLifetimeSeconds(4 * 60); // inside the agent's 5-minute refresh window
    const first = await connectAs('alice', 'shortlived');
    const before = await awsDigests(first);
    await endSession(first);
    sts.setLifetimeSeconds(undefined);
    const second = await connectAs('alice', 'shortlived');
    const after = await awsDigests(second);
    await endSession(second);
    const issued = issuedFor(ROLES.shortlived, 'alice@example.com');
    expect(issued).toHaveLength(2);
    expect(before.secret).toBe(sha256(issued[0]!.secretAccessKey));
    expect(after.secret).toBe(sha256(issued[1]!.secretAccessKey));
    expect(after.secret).not.toBe(before.secret);
  });
});

describe('SigV4-signed HTTP upstreams', () => {
  it('signs every request with the person’s own role credentials', async () => {
    // The upstream checks signatures: an unsigned request is refused.
    const unsigned = await fetch(signedUpstream.url, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);

    for (const user of ['alice', 'bob']) {
      const client = await connectAs(user, 'signed');
      expect(
        textOf(await client.callTool({ name: 'echo', arguments: { text: `hi from ${user}` } })),
      ).toContain(`hi from ${user}`);
      await endSession(client);
    }
    const signed = signedUpstream.requests.slice(1); // after the unsigned probe
    expect(signed.length).toBeGreaterThan(2);
    expect(signed.every((r) => r.verdict === 'ok')).toBe(true);
    expect(new Set(signed.map((r) => r.owner))).toEqual(new Set(['alice@example.com', 'bob@example.com']));
    expect(sts.calls.filter((c) => c.roleArn === ROLES.signed).map((c) => c.sourceIdentity)).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
  });
});
