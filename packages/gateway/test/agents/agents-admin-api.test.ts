import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { configSchema, type GatewayConfig, type ListAgentsResponse } from '@airlock/core';
import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/index.js';

const PUBLIC_URL = 'https://airlock.example.test';
const STATIC_TOKEN = generateAgentToken();

let tls: { cert: Buffer; key: Buffer };
let dir: string;
let logText = '';
const logger = pino(
  { level: 'debug' },
  new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      logText += chunk.toString('utf8');
      done();
    },
  }),
);
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  const pem = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  tls = { cert: Buffer.from(pem.cert), key: Buffer.from(pem.key) };
  dir = mkdtempSync(join(tmpdir(), 'airlock-agents-api-'));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function gateway(section: Record<string, unknown>): Promise<RunningGateway> {
  const config = configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      tunnel: { listen: { host: '127.0.0.1', port: 0 }, tls: { certFile: 'x.pem', keyFile: 'x.key' } },
      agents: [{ id: 'static-agent', tokenSha256: hashAgentToken(STATIC_TOKEN), connections: ['demo'] }],
      ...section,
    },
  }).gateway as GatewayConfig;
  const started = await startGateway(config, { logger, tls });
  gateways.push(started);
  return started;
}

function api(
  g: RunningGateway,
  method: string,
  path = '',
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`http://127.0.0.1:${g.http.port}/api/v1/agents${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('the agents admin API with OIDC', () => {
  let idp: TestIdentityProvider;
  let g: RunningGateway;
  const store = () => join(dir, 'oidc', 'agents.json');

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    g = await gateway({
      publicUrl: PUBLIC_URL,
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
      admin: { groups: ['sre'] },
      dataDir: join(dir, 'oidc'),
    });
  });
  afterAll(async () => {
    await idp?.close();
  });

  it('answers a call without a token with 401 and the gateway-level resource metadata', async () => {
    const response = await api(g, 'GET');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource"`,
    );
  });

  it('refuses a valid token of someone outside gateway.admin.groups with 403', async () => {
    const bob = await idp.issueAccessToken({ user: 'bob', resource: PUBLIC_URL });
    const response = await api(g, 'POST', '', {
      token: bob,
      body: { name: 'sneaky', connections: ['demo'] },
    });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('admin_forbidden');
    expect((await api(g, 'GET', '', { token: bob })).status).toBe(403);
  });

  it("refuses an admin's token issued for a connection rather than the gateway (audience)", async () => {
    const token = await idp.issueAccessToken({ user: 'alice', resource: `${PUBLIC_URL}/mcp/demo` });
    const response = await api(g, 'GET', '', { token });
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe('unauthenticated');
  });

  it('lets an admin enroll, list and revoke; the store holds only the hash, mode 0600', async () => {
    const alice = await idp.issueAccessToken({ user: 'alice', resource: PUBLIC_URL });
    const created = await api(g, 'POST', '', {
      token: alice,
      body: { name: 'subnet-a', connections: ['demo', 'other'] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token, name } = (await created.json()) as { token: string; name: string };
    expect(name).toBe('subnet-a');
    expect(token).toMatch(/^alk_[A-Za-z0-9_-]{43}$/);

    const text = readFileSync(store(), 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(hashAgentToken(token));
    expect(statSync(store()).mode & 0o777).toBe(0o600);
    expect(g.enrollment.authenticate('subnet-a', token)?.connections).toEqual(['demo', 'other']);

    const listed = (await (await api(g, 'GET', '', { token: alice })).json()) as ListAgentsResponse;
    expect(listed.agents.map((a) => [a.name, a.source, a.connected])).toEqual([
      ['static-agent', 'config', false],
      ['subnet-a', 'enrollment', false],
    ]);
    expect(listed.agents[1]).toMatchObject({
      enrolledConnections: ['demo', 'other'],
      createdBy: 'alice@example.com',
    });

    const again = await api(g, 'POST', '', {
      token: alice,
      body: { name: 'subnet-a', connections: ['demo'] },
    });
    expect(again.status).toBe(409);

    const revoked = await api(g, 'DELETE', '/subnet-a', { token: alice });
    expect(revoked.status).toBe(200);
    expect(g.enrollment.authenticate('subnet-a', token)).toBeUndefined();
    const record = (JSON.parse(readFileSync(store(), 'utf8')) as { agents: Record<string, unknown>[] })
      .agents[0];
    expect(record).toMatchObject({ id: 'subnet-a', revokedBy: 'alice@example.com' });
    expect((await api(g, 'DELETE', '/subnet-a', { token: alice })).status).toBe(200);

    // A revoked name may be enrolled again; only the new token works.
    const renewed = await api(g, 'POST', '', {
      token: alice,
      body: { name: 'subnet-a', connections: ['demo'] },
    });
    const fresh = ((await renewed.json()) as { token: string }).token;
    expect(g.enrollment.authenticate('subnet-a', fresh)?.connections).toEqual(['demo']);
    expect(g.enrollment.authenticate('subnet-a', token)).toBeUndefined();
    expect(logText).not.toContain(token);
    expect(logText).not.toContain(fresh);
    expect(logText).not.toContain(alice);
  });

  it('refuses bad input, unknown agents and the static agents from the configuration', async () => {
    const alice = await idp.issueAccessToken({ user: 'alice', resource: PUBLIC_URL });
    const post = (body: unknown) => api(g, 'POST', '', { token: alice, body });
    expect((await post({ name: 'Bad Name', connections: ['demo'] })).status).toBe(400);
    expect((await post({ name: 'no-connections', connections: [] })).status).toBe(400);
    expect((await post({ name: 'extra', connections: ['demo'], admin: true })).status).toBe(400);
    const clash = await post({ name: 'static-agent', connections: ['demo'] });
    expect([clash.status, await errorCode(clash)]).toEqual([409, 'agent_exists']);
    const staticRevoke = await api(g, 'DELETE', '/static-agent', { token: alice });
    expect(staticRevoke.status).toBe(409);
    expect(((await staticRevoke.json()) as { error: { message: string } }).error.message).toMatch(
      /gateway configuration/,
    );
    expect(g.enrollment.authenticate('static-agent', STATIC_TOKEN)).toBeDefined();
    const missing = await api(g, 'DELETE', '/nobody', { token: alice });
    expect([missing.status, await errorCode(missing)]).toEqual([404, 'agent_not_found']);
    const text = await api(g, 'POST', '', {
      token: alice,
      headers: { 'content-type': 'text/plain' },
      body: { name: 'x', connections: ['demo'] },
    });
    expect(text.status).toBe(415);
    expect((await api(g, 'PUT', '', { token: alice })).status).toBe(405);
  });
});

describe('the agents admin API without identity (loopback dev gateway)', () => {
  it('allows this machine, refuses a browser page of another origin', async () => {
    const g = await gateway({ dataDir: join(dir, 'dev') });
    const created = await api(g, 'POST', '', { body: { name: 'dev-a', connections: ['demo'] } });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { token: string }).token).toMatch(/^alk_/);
    const csrf = await api(g, 'POST', '', {
      body: { name: 'evil', connections: ['demo'] },
      headers: { origin: 'https://evil.example' },
    });
    expect(csrf.status).toBe(403);
    // fetch will not send another Host; DNS rebinding does (a page on evil.example resolved to 127.0.0.1).
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      request(
        { host: '127.0.0.1', port: g.http.port, path: '/api/v1/agents', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
  });

  it('says how to enable enrollment when the gateway keeps no enrollment file', async () => {
    const g = await gateway({});
    const response = await api(g, 'POST', '', { body: { name: 'a', connections: ['demo'] } });
    expect(response.status).toBe(409);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('enrollment_unavailable');
    expect(error.message).toMatch(/gateway\.dataDir/);
    expect((await api(g, 'GET')).status).toBe(200);
  });

  it('shares enrollments and revocations between gateways pointed at one file', async () => {
    const file = join(dir, 'shared', 'agents.json');
    const first = await gateway({ enrollment: { file } });
    const second = await gateway({ enrollment: { file } });
    const created = await api(first, 'POST', '', { body: { name: 'shared-a', connections: ['demo'] } });
    const { token } = (await created.json()) as { token: string };
    await expect
      .poll(() => second.enrollment.authenticate('shared-a', token), { timeout: 5000 })
      .toBeDefined();
    expect((await api(second, 'DELETE', '/shared-a')).status).toBe(200);
    await expect
      .poll(() => first.enrollment.authenticate('shared-a', token), { timeout: 5000 })
      .toBeUndefined();
  });
});
