import type { ApprovalView, RecordingEvent } from '@airlock/core';
import type { ApprovalRecord, RecordingStore } from '@airlock/recording';
import { verifySession } from '@airlock/recording';
import {
  markdownTranscript,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '@airlock/gateway';
import { WebhookReceiver } from '../../packages/gateway/test/approvals/helpers/webhook-receiver.js';
import {
  connectV1Client,
  connectV2Client,
  spawnNode,
  startKitchenSinkHttp,
  startModernHttp,
  startTestIdentityProvider,
  waitFor,
  type RunningServer,
  type TestIdentityProvider,
} from '@airlock/testkit';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { LEGACY_VERSION, initializeRequest, parseSse, textOf, toolCall } from './support/mcp-http.js';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy.js';

/**
 * Held calls end to end: real tokens from the in-process identity provider for several people, a
 * gateway and agent over the gRPC tunnel, the kitchen-sink (2025 era) and the modern (2026-07-28)
 * servers behind recording proxies that count what really ran upstream.
 */

const PUBLIC_URL = 'https://airlock.approvals.test';

const PEOPLE = {
  alice: { email: 'alice@example.com', name: 'Alice', groups: ['sre', 'sre-leads'] },
  bob: { email: 'bob@example.com', name: 'Bob', groups: ['sre-leads'] },
  dave: { email: 'dave@example.com', name: 'Dave', groups: ['sre-leads'] },
  erin: { email: 'erin@example.com', name: 'Erin', groups: ['security'] },
  carol: { email: 'carol@example.com', name: 'Carol', groups: ['contractors'] },
} as const;
type Person = keyof typeof PEOPLE;

const RULES = [
  {
    name: 'hold-deploys',
    tool: 'echo',
    when: 'arguments.text.startsWith("deploy")',
    action: 'approve',
    message: 'Deploys need an SRE lead.',
    approvers: ['sre-leads'],
  },
  {
    name: 'quick-expiry',
    tool: 'echo',
    when: 'arguments.text.startsWith("expire")',
    action: 'approve',
    approvers: ['sre-leads'],
    approval: { holdSeconds: 2 },
  },
  {
    name: 'two-person',
    tool: 'add',
    action: 'approve',
    approvers: ['sre-leads', 'security'],
    approval: { required: 2, requiredGroups: ['security'] },
  },
];

let idp: TestIdentityProvider;
let kitchen: RunningServer;
let modern: RunningServer;
let kitchenProxy: RecordingProxy;
let modernProxy: RecordingProxy;
let airlock: AirlockHarness;
let webhook: WebhookReceiver;
const WEBHOOK_SECRET = 'e2e-webhook-secret-5f0c';

const urlOf = (connection: string) => `http://127.0.0.1:${airlock.gateway.http.port}/mcp/${connection}`;
const store = () => airlock.gateway.recording?.store as RecordingStore;
const approvals = () => airlock.gateway.approvals;
const AIRLOCK_CLI = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

async function tokenFor(person: Person, connection: string): Promise<string> {
  return idp.issueAccessToken({ user: person, resource: `${PUBLIC_URL}/mcp/${connection}` });
}

async function legacyClient(person: Person, name = `approvals-${person}`): Promise<Client> {
  return connectV1Client(urlOf('kitchen'), {
    name,
    headers: { authorization: `Bearer ${await tokenFor(person, 'kitchen')}` },
  });
}

async function modernClient(person: Person): ReturnType<typeof connectV2Client> {
  return connectV2Client(urlOf('modern'), {
    era: 'modern',
    name: `approvals-modern-${person}`,
    headers: { authorization: `Bearer ${await tokenFor(person, 'modern')}` },
  });
}

/** A person decides through the approvals API (`POST /api/v1/approvals/<id>/approve|deny`), with their own token. */
async function vote(
  approval: ApprovalRecord,
  person: Person,
  decision: 'approve' | 'deny',
  reason?: string,
): Promise<ApprovalView> {
  const token = await idp.issueAccessToken({ user: person, resource: PUBLIC_URL });
  const response = await fetch(
    `http://127.0.0.1:${airlock.gateway.http.port}/api/v1/approvals/${approval.id}/${decision}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(reason === undefined ? {} : { reason }),
    },
  );
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    const error = body['error'] as { code?: string; message?: string } | undefined;
    throw Object.assign(new Error(error?.message ?? `HTTP ${response.status}`), {
      code: error?.code,
      status: response.status,
    });
  }
  return body as unknown as ApprovalView;
}

/** `airlock approvals approve <id>` as `person` would run it. */
async function cliApprove(approval: ApprovalRecord, person: Person, reason: string): Promise<string> {
  const child = spawnNode(AIRLOCK_CLI, ['approvals', 'approve', approval.id, '--reason', reason], {
    env: {
      AIRLOCK_GATEWAY: `http://127.0.0.1:${airlock.gateway.http.port}`,
      AIRLOCK_HOME: join(airlock.dir, `home-${person}`),
      AIRLOCK_TOKEN: await idp.issueAccessToken({ user: person, resource: PUBLIC_URL }),
    },
  });
  const { code } = await child.exited;
  expect(code, child.stderr()).toBe(0);
  return child.stdoutLines.join('\n');
}

/** The one pending approval whose arguments contain `text`. */
async function pendingWith(text: string): Promise<ApprovalRecord> {
  return waitFor(`a pending approval for "${text}"`, async () => {
    const page = await approvals().listApprovals({ status: 'pending', limit: 50 });
    const found = page.approvals.filter((a) => a.params.includes(text));
    expect(found.length).toBeLessThanOrEqual(1);
    return found[0];
  });
}

/** tools/call requests that reached an upstream with this echo text (or add arguments). */
function executions(proxy: RecordingProxy, predicate: (args: Record<string, unknown>) => boolean): number {
  return proxy.requests.filter((r) => {
    const params = r.body?.['params'] as { name?: string; arguments?: Record<string, unknown> } | undefined;
    return r.rpcMethod === 'tools/call' && params?.arguments !== undefined && predicate(params.arguments);
  }).length;
}

async function refusal(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

async function close(client: Client): Promise<void> {
  const transport = client.transport as StreamableHTTPClientTransport | undefined;
  await transport?.terminateSession().catch(() => undefined);
  await client.close();
}

/** Every event of the recorded sessions whose approval events mention `approvalId`. */
async function approvalSteps(approvalId: string): Promise<RecordingEvent[]> {
  const page = await store().listSessions({ limit: 100 });
  const steps: RecordingEvent[] = [];
  for (const summary of page.sessions) {
    const events = await store().getEvents(summary.id);
    steps.push(...events.filter((e) => e.kind === 'approval' && e.approval?.id === approvalId));
  }
  return steps;
}

beforeAll(async () => {
  idp = await startTestIdentityProvider({ users: PEOPLE });
  kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  modern = await startModernHttp({ host: '127.0.0.1', port: 0, legacy: 'reject' });
  kitchenProxy = await startRecordingProxy(kitchen.url);
  modernProxy = await startRecordingProxy(modern.url);
  webhook = await WebhookReceiver.start();
  process.env['AIRLOCK_E2E_WEBHOOK_SECRET'] = WEBHOOK_SECRET;
  airlock = await startAirlock({
    connections: {
      kitchen: { transport: 'http', url: kitchenProxy.url },
      modern: { transport: 'http', url: modernProxy.url, eras: ['modern'] },
    },
    gateway: {
      publicUrl: PUBLIC_URL,
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }] },
      access: { rules: [{ groups: ['*'], connections: ['*'] }] },
      guardrails: { rules: RULES },
      approvals: {
        pollMs: 200,
        webhooks: [{ url: webhook.url(), format: 'json', secretEnv: 'AIRLOCK_E2E_WEBHOOK_SECRET' }],
      },
    },
    recording: { spool: { fsync: 'never' }, modernSessionIdleSeconds: 1 },
  });
});

afterAll(async () => {
  await airlock?.close();
  await kitchenProxy?.close();
  await modernProxy?.close();
  await webhook?.close();
  await kitchen?.close();
  await modern?.close();
  await idp?.close();
});

describe('a held call on a legacy session', () => {
  it('waits for bob, runs exactly once for alice and her retries, and records every step', async () => {
    const alice = await legacyClient('alice');
    const aliceAgain = await legacyClient('alice', 'approvals-alice-retry');
    const isDeploy = (args: Record<string, unknown>) => args['text'] === 'deploy v1';

    const first = alice.callTool({ name: 'echo', arguments: { text: 'deploy v1' } });
    const approval = await pendingWith('deploy v1');
    expect(approval).toMatchObject({
      status: 'pending',
      connection: 'kitchen',
      method: 'tools/call',
      target: 'echo',
      rule: 'hold-deploys',
      message: 'Deploys need an SRE lead.',
      requester: { subject: 'alice', email: 'alice@example.com' },
    });
    expect(JSON.parse(approval.params)).toEqual({ name: 'echo', arguments: { text: 'deploy v1' } });

    // Alice retries from another session while it is held: the same approval, not a second one.
    const retry = aliceAgain.callTool({ name: 'echo', arguments: { text: 'deploy v1' } });
    await waitFor('the retry to join', async () =>
      (await approvalSteps(approval.id)).some((e) => e.approval?.step === 'joined') ? true : undefined,
    );
    expect((await approvals().listApprovals({ status: 'pending', limit: 50 })).approvals).toHaveLength(1);

    // Nobody may decide their own call, even in an approver group; carol is no approver.
    await expect(vote(approval, 'alice', 'approve')).rejects.toMatchObject({
      code: 'approval_forbidden',
      status: 403,
    });
    // Carol is no approver and not the requester: to her the approval does not exist.
    await expect(vote(approval, 'carol', 'approve')).rejects.toMatchObject({
      code: 'approval_not_found',
      status: 404,
    });
    expect(executions(kitchenProxy, isDeploy)).toBe(0);

    await vote(approval, 'bob', 'approve', 'change ticket 42');
    expect(textOf(await first)).toBe('deploy v1');
    expect(textOf(await retry)).toBe('deploy v1');
    // After it ran, another retry gets the stored outcome of the one execution.
    expect(textOf(await alice.callTool({ name: 'echo', arguments: { text: 'deploy v1' } }))).toBe(
      'deploy v1',
    );
    expect(executions(kitchenProxy, isDeploy)).toBe(1);

    // A different call (one argument changed) needs its own approval.
    const other = alice.callTool({ name: 'echo', arguments: { text: 'deploy v1.1' } });
    const second = await pendingWith('deploy v1.1');
    expect(second.id).not.toBe(approval.id);
    await vote(second, 'dave', 'approve');
    expect(textOf(await other)).toBe('deploy v1.1');

    await close(alice);
    await close(aliceAgain);

    const steps = await waitFor('every step in the store', async () => {
      const found = (await approvalSteps(approval.id)).map((e) => e.approval?.step);
      return found.includes('replayed') && found.includes('outcome') ? found : undefined;
    });
    expect(steps).toEqual(
      expect.arrayContaining(['held', 'joined', 'vote', 'approved', 'released', 'outcome', 'replayed']),
    );
    expect(steps.filter((s) => s === 'released')).toHaveLength(1);
    const vote0 = (await approvalSteps(approval.id)).find((e) => e.approval?.step === 'vote');
    expect(vote0?.approval).toMatchObject({ by: 'bob', decision: 'approve', reason: 'change ticket 42' });

    // The sessions still verify: chains intact, gateway and agent records agree.
    const held = (await approvalSteps(approval.id)).find((e) => e.approval?.step === 'held');
    const sessionId = held?.sessionId as string;
    const events = await waitFor('the held session to end on both sides', async () => {
      const all = await store().getEvents(sessionId);
      return all.filter((e) => e.kind === 'session_end').length === 2 ? all : undefined;
    });
    const report = verifySession(events);
    expect(report.ok, JSON.stringify(report, null, 2)).toBe(true);
    // The webhook told approvers, signed so the receiver can check it came from the gateway.
    const delivery = await waitFor('the webhook delivery', async () =>
      webhook.received.find((d) => d.body.toString('utf8').includes(approval.id)),
    );
    const payload = JSON.parse(delivery.body.toString('utf8')) as Record<string, unknown>;
    expect(payload).toMatchObject({
      type: 'approval.requested',
      approval: { id: approval.id, connection: 'kitchen', tool: 'echo', requester: { subject: 'alice' } },
    });
    const signed = {
      body: delivery.body,
      timestamp: String(delivery.headers[TIMESTAMP_HEADER]),
      signature: String(delivery.headers[SIGNATURE_HEADER]),
    };
    expect(verifyWebhookSignature({ secret: WEBHOOK_SECRET, ...signed })).toBe(true);
    expect(verifyWebhookSignature({ secret: 'not-the-secret', ...signed })).toBe(false);

    // The transcript shows the approval inline, between the held request and its release.
    const summary = await store().getSession(sessionId);
    const transcript = markdownTranscript(summary!, events);
    expect(transcript).toContain(`APPROVAL held ${approval.id} (rule hold-deploys)`);
    expect(transcript).toContain(`APPROVAL vote ${approval.id}: bob approve — "change ticket 42"`);
    expect(transcript.indexOf('APPROVAL held')).toBeLessThan(transcript.indexOf('APPROVAL released'));
  });

  it('tells alice who denied her call and why; the session continues', async () => {
    const alice = await legacyClient('alice');
    const call = refusal(alice.callTool({ name: 'echo', arguments: { text: 'deploy v2' } }));
    const approval = await pendingWith('deploy v2');
    await vote(approval, 'bob', 'deny', 'freeze until Monday');
    const denied = await call;
    expect(denied.code).toBe(-32012);
    expect(denied.message).toContain(approval.id);
    expect(denied.message).toContain('bob denied');
    expect(denied.message).toContain('freeze until Monday');
    expect(denied.data).toMatchObject({
      approvalId: approval.id,
      decidedBy: 'bob',
      reason: 'freeze until Monday',
    });
    expect(executions(kitchenProxy, (a) => a['text'] === 'deploy v2')).toBe(0);
    // Deciding again changes nothing.
    await expect(vote(approval, 'dave', 'approve')).rejects.toMatchObject({ code: 'approval_decided' });
    // The same session goes on.
    expect(textOf(await alice.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe(
      'still here',
    );
    await close(alice);
  });

  it('expires a call nobody decides, with the approval id', async () => {
    const alice = await legacyClient('alice');
    const expired = await refusal(alice.callTool({ name: 'echo', arguments: { text: 'expire soon' } }));
    expect(expired.code).toBe(-32013);
    expect(expired.message).toMatch(/decided approval .* before it expired/);
    expect(expired.data).toMatchObject({ decidedBy: 'expired' });
    expect(executions(kitchenProxy, (a) => a['text'] === 'expire soon')).toBe(0);
    await close(alice);
  });

  it('needs two different people, one of them from security (N of M with a required group)', async () => {
    const alice = await legacyClient('alice');
    const call = alice.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
    const approval = await pendingWith('"a":20');
    expect(approval.requirement).toEqual({
      approverGroups: ['sre-leads', 'security'],
      required: 2,
      requiredGroups: ['security'],
    });
    await vote(approval, 'bob', 'approve');
    await expect(vote(approval, 'bob', 'approve')).rejects.toMatchObject({ code: 'approval_decided' });
    expect((await vote(approval, 'dave', 'approve')).status).toBe('pending');
    expect(executions(kitchenProxy, (a) => a['a'] === 20)).toBe(0);
    // The last approval comes from the CLI, as a security engineer would give it.
    expect(await cliApprove(approval, 'erin', 'checked with the on-call')).toMatch(/approved/i);
    expect(textOf(await call)).toContain('42');
    expect(executions(kitchenProxy, (a) => a['a'] === 20)).toBe(1);
    await close(alice);
  });
});

describe('a held call in the 2026-07-28 era', () => {
  it('holds the stateless POST, then runs it once', async () => {
    const alice = await modernClient('alice');
    const call = alice.callTool({ name: 'echo', arguments: { text: 'deploy modern' } });
    const approval = await pendingWith('deploy modern');
    expect(approval.connection).toBe('modern');
    expect(executions(modernProxy, (a) => a['text'] === 'deploy modern')).toBe(0);
    await vote(approval, 'bob', 'approve');
    expect(textOf(await call)).toContain('deploy modern');
    expect(textOf(await alice.callTool({ name: 'echo', arguments: { text: 'deploy modern' } }))).toContain(
      'deploy modern',
    );
    expect(executions(modernProxy, (a) => a['text'] === 'deploy modern')).toBe(1);
    await alice.close();
  });
});

describe('a long hold', () => {
  it('keeps legacy and modern clients waiting 40 s with keep-alives and progress, then answers', async () => {
    // A raw legacy POST shows the stream itself: comments and progress notifications.
    const token = await tokenFor('alice', 'kitchen');
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const init = await fetch(urlOf('kitchen'), {
      method: 'POST',
      headers,
      body: JSON.stringify(initializeRequest(1)),
    });
    const sessionId = init.headers.get('mcp-session-id') as string;
    await init.text();
    const sessionHeaders = {
      ...headers,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': LEGACY_VERSION,
    };
    await (
      await fetch(urlOf('kitchen'), {
        method: 'POST',
        headers: sessionHeaders,
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      })
    ).text();
    const call = toolCall(7, 'echo', { text: 'deploy slowly' });
    (call.params as Record<string, unknown>)['_meta'] = { progressToken: 'p-7' };
    const started = Date.now();
    const raw = fetch(urlOf('kitchen'), {
      method: 'POST',
      headers: sessionHeaders,
      body: JSON.stringify(call),
    }).then(async (response) => ({
      type: response.headers.get('content-type'),
      text: await response.text(),
    }));

    // And SDK clients of both eras (default 60 s request timeout) waiting on the same approval's kin.
    const sdk = await legacyClient('alice', 'approvals-long');
    const progress: string[] = [];
    const sdkCall = sdk.callTool({ name: 'echo', arguments: { text: 'deploy slowly sdk' } }, undefined, {
      onprogress: (p) => progress.push(String(p.message)),
    });
    const modernSdk = await modernClient('alice');
    const modernCall = modernSdk.callTool({ name: 'echo', arguments: { text: 'deploy slowly modern' } });

    const approvals = await Promise.all([
      pendingWith('deploy slowly"'),
      pendingWith('deploy slowly sdk'),
      pendingWith('deploy slowly modern'),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 40_000 - (Date.now() - started)));
    for (const approval of approvals) await vote(approval, 'bob', 'approve');

    const answer = await raw;
    expect(answer.type).toBe('text/event-stream');
    const comments = answer.text.split('\n').filter((line) => line.startsWith(':')).length;
    expect(comments).toBeGreaterThanOrEqual(3); // at least one every 15 s over 40 s
    const events = parseSse(answer.text);
    const notes = events.filter((e) => e['method'] === 'notifications/progress');
    expect(notes.length).toBeGreaterThanOrEqual(3);
    expect((notes[0]?.['params'] as Record<string, unknown>)['message']).toMatch(
      /waiting for approval by sre-leads \(approval /,
    );
    expect(events.at(-1)).toMatchObject({ id: 7, result: { content: [{ text: 'deploy slowly' }] } });

    expect(textOf(await sdkCall)).toBe('deploy slowly sdk');
    expect(progress.some((m) => m.includes('waiting for approval by sre-leads'))).toBe(true);
    expect(textOf(await modernCall)).toContain('deploy slowly modern');
    await close(sdk);
    await modernSdk.close();
  }, 90_000);
});

describe('a gateway restart during a hold', () => {
  it('keeps the approval: the client retries, waits on the same one, gets the one outcome', async () => {
    const isCall = (args: Record<string, unknown>) => args['text'] === 'deploy across restarts';
    const first = await legacyClient('alice', 'approvals-before-restart');
    // The first attempt is lost with the gateway; what it asked for is not.
    first.callTool({ name: 'echo', arguments: { text: 'deploy across restarts' } }).catch(() => undefined);
    const approval = await pendingWith('deploy across restarts');

    await airlock.restartGateway();
    await first.close().catch(() => undefined);
    expect((await approvals().getApproval(approval.id))?.status).toBe('pending');

    // After the restart, the same call from a new session joins the same approval.
    const retry = await legacyClient('alice', 'approvals-after-restart');
    const waiting = retry.callTool({ name: 'echo', arguments: { text: 'deploy across restarts' } });
    await waitFor('the retry to join', async () =>
      (await approvalSteps(approval.id)).some((e) => e.approval?.step === 'joined') ? true : undefined,
    );
    expect(executions(kitchenProxy, isCall)).toBe(0);
    await vote(approval, 'bob', 'approve', 'after the restart');
    expect(textOf(await waiting)).toBe('deploy across restarts');
    await close(retry);

    // Once more across a restart: the stored outcome, not a second execution.
    await airlock.restartGateway();
    const later = await legacyClient('alice', 'approvals-after-second-restart');
    expect(
      textOf(await later.callTool({ name: 'echo', arguments: { text: 'deploy across restarts' } })),
    ).toBe('deploy across restarts');
    await close(later);
    expect(executions(kitchenProxy, isCall)).toBe(1);
    // The last session's events reach the store a moment after its end.
    const steps = await waitFor('the replayed step in the store', async () => {
      const found = (await approvalSteps(approval.id)).map((e) => e.approval?.step);
      return found.includes('replayed') ? found : undefined;
    });
    expect(steps).toEqual(expect.arrayContaining(['held', 'joined', 'released', 'outcome', 'replayed']));
  });
});
