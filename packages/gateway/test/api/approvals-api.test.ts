import { randomUUID } from 'node:crypto';
import { configSchema, type ApprovalListView, type ApprovalView, type GatewayConfig } from '@airlock/core';
import { MemoryApprovals, type ApprovalRecord, type HeldCallRequest } from '@airlock/recording';
import { startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApprovalsApi,
  createOriginPolicy,
  createSessionAccess,
  startGatewayHttp,
  type GatewayHttp,
} from '../../src/index.js';
import { NoAgentDirectory } from '../identity/helpers/identity-harness.js';

const PUBLIC_URL = 'https://airlock.example.test';
const logger = pino({ enabled: false });

// alice asks (and is an SRE herself), bob and carol are SREs, dana leads them, erin audits,
// mallory is in marketing.
const USERS = {
  alice: { email: 'alice@example.com', name: 'Alice', groups: ['sre'] },
  bob: { email: 'bob@example.com', name: 'Bob', groups: ['sre'] },
  carol: { email: 'carol@example.com', name: 'Carol', groups: ['sre'] },
  dana: { email: 'dana@example.com', name: 'Dana', groups: ['sre-leads'] },
  erin: { email: 'erin@example.com', name: 'Erin', groups: ['auditors'] },
  mallory: { email: 'mallory@example.com', name: 'Mallory', groups: ['marketing'] },
};
type User = keyof typeof USERS;

let store: MemoryApprovals;
let idp: TestIdentityProvider;
let gateway: GatewayHttp;
let openGateway: GatewayHttp;
const tokens: Partial<Record<User, string>> = {};
const decided: ApprovalRecord[] = [];

function config(auth: Record<string, unknown>): GatewayConfig {
  return configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: PUBLIC_URL,
      tunnel: { tls: { certFile: 'unused.pem', keyFile: 'unused.key' } },
      auth,
      audit: { groups: ['auditors'] },
    },
  }).gateway as GatewayConfig;
}

function start(cfg: GatewayConfig): Promise<GatewayHttp> {
  return startGatewayHttp({
    config: cfg,
    directory: new NoAgentDirectory(),
    logger,
    approvalsApi: createApprovalsApi({
      store,
      access: createSessionAccess(cfg, logger),
      originPolicy: createOriginPolicy({ allowedOrigins: [], publicUrl: cfg.publicUrl, loopback: true }),
      logger,
      publicUrl: cfg.publicUrl,
      onDecided: (approval) => decided.push(approval),
    }),
  });
}

/** A call alice made on prod-db, held for `approverGroups`; every field overridable. */
async function hold(overrides: Partial<HeldCallRequest> = {}): Promise<string> {
  const id = `apr-${randomUUID()}`;
  await store.holdCall({
    id,
    digest: randomUUID(),
    sessionId: 'sess-alice-1',
    connection: 'prod-db',
    requester: { subject: 'alice', email: 'alice@example.com', groups: ['sre'] },
    method: 'tools/call',
    target: 'run_sql',
    params: JSON.stringify({ name: 'run_sql', arguments: { sql: 'DELETE FROM users WHERE id = 7' } }),
    rule: 'destructive-sql',
    message: 'Destructive SQL needs another SRE',
    requirement: { approverGroups: ['sre'], required: 1, requiredGroups: [] },
    holdSeconds: 600,
    rememberSeconds: 300,
    at: new Date(),
    ...overrides,
  });
  return id;
}

beforeAll(async () => {
  store = new MemoryApprovals();
  idp = await startTestIdentityProvider({ users: USERS });
  gateway = await start(config({ mode: 'oidc', issuers: [{ issuer: idp.issuer }] }));
  openGateway = await start(config({ mode: 'none' }));
  for (const user of Object.keys(USERS) as User[]) {
    tokens[user] = await idp.issueAccessToken({ user, resource: PUBLIC_URL });
  }
});
afterAll(async () => {
  await gateway?.close();
  await openGateway?.close();
  await idp?.close();
});

function call(
  path: string,
  user: User | undefined,
  init: { method?: string; body?: string; headers?: Record<string, string>; on?: GatewayHttp } = {},
): Promise<Response> {
  return fetch(`http://127.0.0.1:${(init.on ?? gateway).port}/api/v1/approvals${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(user ? { authorization: `Bearer ${tokens[user]}` } : {}), ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

const vote = (id: string, user: User, decision: 'approve' | 'deny', body?: unknown): Promise<Response> =>
  call(`/${id}/${decision}`, user, {
    method: 'POST',
    body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

async function json<T>(response: Response, status = 200): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(status);
  return (await response.json()) as T;
}

async function refused(response: Response, status: number, code: string): Promise<string> {
  const body = await json<{ error: { code: string; message: string } }>(response, status);
  expect(body.error.code).toBe(code);
  return body.error.message;
}

async function listed(query: string, user: User, on?: GatewayHttp): Promise<string[]> {
  return (await json<ApprovalListView>(await call(query, user, { on }))).approvals.map((a) => a.id);
}

describe('who sees which approval', () => {
  let forSre: string;
  let forLeads: string;
  beforeAll(async () => {
    // A second apart: the list is newest first, and ids (random) only break ties.
    forSre = await hold({ connection: 'visibility', at: new Date(Date.now() - 1000) });
    forLeads = await hold({
      connection: 'visibility',
      requester: { subject: 'bob', email: 'bob@example.com', groups: ['sre'] },
      requirement: { approverGroups: ['sre-leads'], required: 1, requiredGroups: [] },
    });
  });

  it('refuses a caller without a token', async () => {
    const response = await call('', undefined);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('shows the requester, the approver groups and auditors; nobody else', async () => {
    const query = '?connection=visibility';
    expect(await listed(query, 'alice')).toEqual([forSre]);
    expect(await listed(query, 'bob')).toEqual([forLeads, forSre]);
    expect(await listed(query, 'dana')).toEqual([forLeads]);
    expect(await listed(query, 'erin')).toEqual([forLeads, forSre]);
    expect(await listed(query, 'mallory')).toEqual([]);
    expect(await listed(`${query}&requester=bob`, 'carol')).toEqual([]);
    expect(await listed(`${query}&requester=bob`, 'dana')).toEqual([forLeads]);
  });

  it("answers someone else's approval exactly like an unknown one", async () => {
    const hidden = await refused(await call(`/${forSre}`, 'mallory'), 404, 'approval_not_found');
    const unknown = await refused(await call('/apr-nope', 'mallory'), 404, 'approval_not_found');
    expect(hidden.replace(forSre, 'ID')).toBe(unknown.replace('apr-nope', 'ID'));
    await refused(await vote(forSre, 'mallory', 'approve'), 404, 'approval_not_found');
    await refused(await call(`/${forLeads}`, 'alice'), 404, 'approval_not_found');
    expect((await json<ApprovalView>(await call(`/${forLeads}`, 'erin'))).id).toBe(forLeads);
  });

  it('shows everything on a gateway without authentication, where nobody can vote', async () => {
    expect(await listed('?connection=visibility', 'alice', openGateway)).toEqual([forLeads, forSre]);
    const anonymous = await call(`/${forSre}/approve`, undefined, { method: 'POST', on: openGateway });
    await refused(anonymous, 403, 'approval_forbidden');
  });
});

describe('one approval, as an approver sees it', () => {
  it('shows who asked, for what, where the recording is, and what it still needs', async () => {
    const id = await hold({ connection: 'view' });
    const view = await json<ApprovalView>(await call(`/${id}`, 'bob'));
    expect(view).toMatchObject({
      id,
      status: 'pending',
      requester: { subject: 'alice', email: 'alice@example.com', groups: ['sre'] },
      connection: 'view',
      method: 'tools/call',
      tool: 'run_sql',
      arguments: { sql: 'DELETE FROM users WHERE id = 7' },
      rule: 'destructive-sql',
      message: 'Destructive SQL needs another SRE',
      sessionId: 'sess-alice-1',
      session: `${PUBLIC_URL}/api/v1/sessions/sess-alice-1`,
      requirement: { approverGroups: ['sre'], required: 1, requiredGroups: [] },
      needs: { approvals: 1, groups: [] },
      votes: [],
    });
    expect(Date.parse(view.expiresAt) - Date.parse(view.requestedAt)).toBe(600_000);
    expect(view).not.toHaveProperty('outcome');
  });

  it('shows the whole params of a call that is not a tool call', async () => {
    const id = await hold({
      method: 'resources/read',
      target: 'file:///etc/shadow',
      params: '{"uri":"file:///etc/shadow"}',
    });
    const view = await json<ApprovalView>(await call(`/${id}`, 'bob'));
    expect(view).toMatchObject({ tool: 'file:///etc/shadow', arguments: { uri: 'file:///etc/shadow' } });
  });

  it("gives an outcome's kind and time, never its body", async () => {
    const id = await hold({ connection: 'outcome' });
    await json(await vote(id, 'bob', 'approve'));
    await store.claimRelease(id, 'gw-1', new Date());
    await store.storeOutcome(
      id,
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: { secret: 'rows' } }),
      new Date(),
    );
    const view = await json<ApprovalView>(await call(`/${id}`, 'alice'));
    expect(view.outcome).toEqual({ kind: 'result', at: expect.any(String) as string });
    expect(view.releasedAt).toBeDefined();
    const text = await (await call('?connection=outcome&status=all', 'alice')).text();
    expect(text).not.toContain('secret');
  });
});

describe('deciding', () => {
  it('approves with an optional reason, tells the decision listener, and then refuses more votes', async () => {
    const id = await hold();
    const before = decided.length;
    const view = await json<ApprovalView>(await vote(id, 'bob', 'approve', { reason: 'checked the ticket' }));
    expect(view).toMatchObject({ status: 'approved', needs: { approvals: 0, groups: [] } });
    expect(view.votes).toEqual([
      { by: 'bob', groups: ['sre'], decision: 'approve', reason: 'checked the ticket', at: view.decidedAt },
    ]);
    expect(decided.slice(before).map((a) => [a.id, a.status])).toEqual([[id, 'approved']]);
    const again = await refused(
      await vote(id, 'carol', 'deny', { reason: 'too late' }),
      409,
      'approval_decided',
    );
    expect(again).toContain('already approved');
    expect(decided.length).toBe(before + 1);
  });

  it('denies with a reason the requester can read', async () => {
    const id = await hold();
    const view = await json<ApprovalView>(
      await vote(id, 'carol', 'deny', { reason: 'not during the freeze' }),
    );
    expect(view.status).toBe('denied');
    const seen = await json<ApprovalView>(await call(`/${id}`, 'alice'));
    expect(seen.votes[0]).toMatchObject({ by: 'carol', decision: 'deny', reason: 'not during the freeze' });
  });

  it("refuses the requester's own vote and a visible non-approver's, changing nothing", async () => {
    const id = await hold();
    const own = await refused(await vote(id, 'alice', 'approve'), 403, 'approval_forbidden');
    expect(own).toContain('someone else in sre must decide it');
    const auditor = await refused(await vote(id, 'erin', 'approve'), 403, 'approval_forbidden');
    expect(auditor).toContain('you are in none of them');
    expect(await json<ApprovalView>(await call(`/${id}`, 'bob'))).toMatchObject({
      status: 'pending',
      votes: [],
    });
  });

  it('counts N of M distinct approvers and waits for every required group', async () => {
    const id = await hold({
      requirement: { approverGroups: ['sre', 'sre-leads'], required: 2, requiredGroups: ['sre-leads'] },
    });
    const one = await json<ApprovalView>(await vote(id, 'bob', 'approve'));
    expect(one).toMatchObject({ status: 'pending', needs: { approvals: 1, groups: ['sre-leads'] } });
    await refused(await vote(id, 'bob', 'approve'), 409, 'approval_decided');
    const two = await json<ApprovalView>(await vote(id, 'carol', 'approve'));
    expect(two).toMatchObject({ status: 'pending', needs: { approvals: 0, groups: ['sre-leads'] } });
    const three = await json<ApprovalView>(await vote(id, 'dana', 'approve'));
    expect(three.status).toBe('approved');
    expect(three.votes.map((v) => v.by)).toEqual(['bob', 'carol', 'dana']);
  });

  it('refuses a malformed vote with what to send instead', async () => {
    const id = await hold();
    expect(await refused(await vote(id, 'bob', 'deny'), 400, 'invalid_params')).toContain('needs a reason');
    expect(await refused(await vote(id, 'bob', 'deny', { reason: '' }), 400, 'invalid_params')).toContain(
      '1 to 500 characters',
    );
    await refused(await vote(id, 'bob', 'deny', { reason: 'x'.repeat(501) }), 400, 'invalid_params');
    await refused(await vote(id, 'bob', 'deny', { reason: 'no\nInjected: line' }), 400, 'invalid_params');
    await refused(await vote(id, 'bob', 'approve', { reason: 42 }), 400, 'invalid_params');
    expect(
      await refused(
        await vote(id, 'bob', 'approve', { reason: 'ok', decision: 'deny' }),
        400,
        'invalid_params',
      ),
    ).toContain('remove "decision"');
    expect(await refused(await vote(id, 'bob', 'approve', '{"reason":'), 400, 'invalid_params')).toContain(
      'not JSON',
    );
    await refused(await vote(id, 'bob', 'approve', '["ok"]'), 400, 'invalid_params');
    await refused(await vote(id, 'bob', 'approve', { reason: 'x'.repeat(70_000) }), 413, 'body_too_large');
    expect(await json<ApprovalView>(await call(`/${id}`, 'bob'))).toMatchObject({
      status: 'pending',
      votes: [],
    });
  });

  it('answers unknown and malformed ids, wrong methods and foreign origins clearly', async () => {
    await refused(await vote('apr-unknown', 'bob', 'approve'), 404, 'approval_not_found');
    await refused(await call('/has%20space', 'bob'), 400, 'invalid_params');
    await refused(await call(`/${'a'.repeat(129)}`, 'bob'), 400, 'invalid_params');
    await refused(await call('/apr-1/maybe', 'bob'), 404, 'approval_not_found');
    const id = await hold();
    const get = await call(`/${id}/approve`, 'bob');
    await refused(get, 405, 'method_not_allowed');
    expect(get.headers.get('allow')).toBe('POST');
    await refused(await call(`/${id}`, 'bob', { method: 'POST', body: '{}' }), 405, 'method_not_allowed');
    const foreign = await call(`/${id}/approve`, 'bob', {
      method: 'POST',
      body: '{}',
      headers: { origin: 'https://evil.example' },
    });
    await refused(foreign, 403, 'origin_forbidden');
    expect((await json<ApprovalView>(await call(`/${id}`, 'bob'))).status).toBe('pending');
  });
});

describe('listing', () => {
  it('filters by status, pages newest first, and refuses what it does not understand', async () => {
    const connection = `list-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await hold({ connection, at: new Date(t0 + i * 1000) }));
    const expired = await hold({ connection, at: new Date(t0 - 1000), holdSeconds: 10 });
    await json(await vote(ids[0]!, 'bob', 'approve'));
    const newestFirst = [...ids].reverse();
    expect(await listed(`?connection=${connection}`, 'bob')).toEqual(newestFirst.slice(0, 4));
    expect(await listed(`?connection=${connection}&status=all`, 'bob')).toEqual([...newestFirst, expired]);
    expect(await listed(`?connection=${connection}&status=expired`, 'bob')).toEqual([expired]);
    expect(await listed(`?connection=${connection}&status=approved`, 'bob')).toEqual([ids[0]]);
    const since = new Date(t0 + 2500).toISOString();
    expect(await listed(`?connection=${connection}&since=${since}`, 'bob')).toEqual(newestFirst.slice(0, 2));

    const first = await json<ApprovalListView>(
      await call(`?connection=${connection}&status=all&limit=4`, 'bob'),
    );
    expect(first.approvals.map((a) => a.id)).toEqual(newestFirst.slice(0, 4));
    const second = await json<ApprovalListView>(
      await call(`?connection=${connection}&status=all&limit=4&cursor=${first.nextCursor}`, 'bob'),
    );
    expect(second.approvals.map((a) => a.id)).toEqual([ids[0], expired]);
    expect(second.nextCursor).toBeUndefined();

    await refused(await call('?status=maybe', 'bob'), 400, 'invalid_params');
    await refused(await call('?since=yesterday', 'bob'), 400, 'invalid_params');
    await refused(await call('?limit=0', 'bob'), 400, 'invalid_params');
    await refused(await call('?cursor=garbage', 'bob'), 400, 'invalid_params');
    expect(await refused(await call('?conection=x', 'bob'), 400, 'invalid_params')).toContain(
      'Unknown approvals filter',
    );
  });
});
