import type { RecordingEvent } from '@airlock/core';
import { verifySession, type RecordingStore } from '@airlock/recording';
import {
  connectV1Client,
  spawnNode,
  startKitchenSinkHttp,
  startTestIdentityProvider,
  waitFor,
  type RunningServer,
  type TestIdentityProvider,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { textOf } from './support/mcp-http.js';

/**
 * Just-in-time access end to end: a real identity provider with several people, gateway and
 * agent over the tunnel, the kitchen-sink MCP server, MCP SDK clients, the access API, the
 * `airlock access` CLI and the recording in PGlite. Carol (contractors) has no standing access
 * to the kitchen; she may ask, and bob (auditors) decides.
 */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const PUBLIC_URL = 'https://airlock.jit.test';

let idp: TestIdentityProvider;
let kitchen: RunningServer;
let airlock: AirlockHarness;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  kitchen = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  airlock = await startAirlock({
    connections: { kitchen: { transport: 'http', url: kitchen.url } },
    gateway: {
      publicUrl: PUBLIC_URL,
      auth: { mode: 'oidc', issuers: [{ issuer: idp.issuer }], clockSkewSeconds: 0 },
      access: {
        rules: [{ groups: ['sre'], connections: ['*'] }],
        jit: [
          {
            connections: ['kitchen'],
            approvers: ['auditors'],
            requesters: ['contractors'],
            maxDuration: '1h',
          },
        ],
      },
      audit: { groups: ['auditors'] },
    },
    recording: { spool: { fsync: 'never' } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await kitchen?.close();
  await idp?.close();
});

const baseUrl = () => `http://127.0.0.1:${airlock.gateway.http.port}`;
const store = (): RecordingStore => airlock.gateway.recording?.store as RecordingStore;

/** A token for the gateway's own API (aud = publicUrl). */
const apiToken = (user: string) => idp.issueAccessToken({ user, resource: PUBLIC_URL });
const mcpToken = (user: string) => idp.issueAccessToken({ user, resource: `${PUBLIC_URL}/mcp/kitchen` });

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function api(user: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl()}/api/v1/access/requests${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await apiToken(user)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const errorOf = (answer: Answer) => answer.body['error'] as { code: string; message: string };

async function carolClient() {
  return connectV1Client(`${baseUrl()}/mcp/kitchen`, {
    headers: { authorization: `Bearer ${await mcpToken('carol')}` },
  });
}

async function cli(
  user: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(AIRLOCK, [...args, '--gateway', baseUrl(), '--token', await apiToken(user)], {
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
  });
  const { code } = await child.exited;
  return { code, stdout: child.stdoutLines.join('\n'), stderr: child.stderr() };
}

async function request(duration: string, tools?: string[]): Promise<string> {
  const asked = await api('carol', 'POST', '', {
    connection: 'kitchen',
    duration,
    reason: 'incident 4711: restock the kitchen',
    ...(tools ? { tools } : {}),
  });
  expect(asked.status).toBe(201);
  return asked.body['id'] as string;
}

/** The gateway's recorded session in which carol used `grantId`, once both sides ended it. */
async function sessionOfGrant(grantId: string): Promise<RecordingEvent[]> {
  return waitFor(`the session that used grant ${grantId}`, async () => {
    const page = await store().listSessions({ connection: 'kitchen', limit: 100 });
    for (const summary of page.sessions) {
      if (summary.id.startsWith('airlock-access:')) continue;
      const events = await store().getEvents(summary.id);
      const used = events.some((e) => e.kind === 'access' && e.access?.grantId === grantId);
      const ends = events.filter((e) => e.kind === 'session_end');
      if (used && ends.some((e) => e.source === 'gateway') && ends.some((e) => e.source === 'agent'))
        return events;
    }
    return undefined;
  });
}

describe('just-in-time access', () => {
  it('keeps grants without polling the embedded store: this gateway is its only writer', () => {
    expect(airlock.gateway.grants?.polling).toBe(false);
  });

  it('refuses carol without a grant and tells her how to ask', async () => {
    await expect(carolClient()).rejects.toThrow(/airlock access request kitchen --duration 1h --reason/);
  });

  it('lets carol in with a 5 s grant from bob, then ends her session at expiry with the grant named', async () => {
    const id = await request('5s');
    const granted = await api('bob', 'POST', `/${id}/grant`, { reason: 'approved for the incident' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ status: 'granted', decidedBy: expect.any(String) });
    const expiresAt = Date.parse(granted.body['expiresAt'] as string);

    const client = await carolClient();
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'with a grant' } }))).toBe(
        'with a grant',
      );
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 300));
      const after = client.callTool({ name: 'echo', arguments: { text: 'too late' } });
      await expect(after).rejects.toThrow(new RegExp(`grant ${id}\\) expired at`));
      await expect(client.callTool({ name: 'echo', arguments: { text: 'still' } })).rejects.toThrow(
        /access_grant_ended|airlock access request kitchen/,
      );
    } finally {
      await client.close().catch(() => undefined);
    }
    expect((await api('carol', 'GET', `/${id}`)).body['status']).toBe('expired');

    // The recording: the session's chain says it was the grant's, and why it ended; verify passes.
    const events = await sessionOfGrant(id);
    const gateway = events.filter((e) => e.source === 'gateway');
    expect(gateway.filter((e) => e.kind === 'access').map((e) => e.access?.step)).toEqual(['used', 'ended']);
    expect(gateway.find((e) => e.kind === 'session_end')?.end?.reason).toBe('expired');
    expect(gateway.some((e) => e.kind === 'message' && e.decision?.rule === `grant:${id}`)).toBe(true);
    expect(verifySession(events).ok).toBe(true);
    // Each lifecycle step is a complete system session of its own.
    for (const step of ['requested', 'granted']) {
      const steps = await waitFor(`the ${step} step`, async () => {
        const recorded = await store().getEvents(`airlock-access:${id}:${step}`);
        return recorded.some((e) => e.kind === 'session_end') ? recorded : undefined;
      });
      expect(steps.map((e) => e.kind)).toEqual(['session_start', 'access', 'session_end']);
      expect(steps[1]?.access).toMatchObject({ grantId: id, step, connection: 'kitchen' });
      expect(verifySession(steps).chains.gateway.breaks).toEqual([]);
    }
  });

  it('asks and grants through the CLI; a revocation ends her session at once; a new one is refused', async () => {
    const asked = await cli(
      'carol',
      'access',
      'request',
      'kitchen',
      '--tools',
      'echo,add',
      '--duration',
      '1h',
      '--reason',
      'incident 4712',
      '--json',
    );
    expect(asked.code).toBe(0);
    const id = (JSON.parse(asked.stdout) as { id: string }).id;
    const listed = await cli('bob', 'access', 'list');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('carol@example.com');
    const granted = await cli('bob', 'access', 'grant', id, '--reason', 'go ahead');
    expect(granted.code).toBe(0);
    expect(granted.stdout).toMatch(/status: +granted by bob, expires in (1h|59m)/);

    const client = await carolClient();
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');
      // The grant names tools: only those.
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual(['add', 'echo']);
      const revoked = await api('bob', 'POST', `/${id}/revoke`, { reason: 'incident closed' });
      expect(revoked.body).toMatchObject({ status: 'revoked', revokeReason: 'incident closed' });
      await expect(client.callTool({ name: 'echo', arguments: { text: 'after' } })).rejects.toThrow(
        new RegExp(`grant ${id}\\) was revoked by .* \\(incident closed\\)`),
      );
    } finally {
      await client.close().catch(() => undefined);
    }
    await expect(carolClient()).rejects.toThrow(/airlock access request kitchen/);
    const events = await sessionOfGrant(id);
    expect(events.find((e) => e.source === 'gateway' && e.kind === 'session_end')?.end?.reason).toBe(
      'revoked',
    );
    expect(verifySession(events).ok).toBe(true);
  });

  it('refuses bad input clearly and changes nothing', async () => {
    const invalid = async (body: unknown, pattern: RegExp) => {
      const answer = await api('carol', 'POST', '', body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('access_request_invalid');
      expect(errorOf(answer).message).toMatch(pattern);
    };
    const valid = { connection: 'kitchen', duration: '30m', reason: 'why' };
    await invalid({ ...valid, duration: '2h' }, /at most 1h; 2h was asked/);
    await invalid({ ...valid, duration: 'soon' }, /not a duration/);
    await invalid({ ...valid, reason: '' }, /reason is empty/);
    await invalid({ ...valid, reason: 'line\nbreak' }, /control characters/);
    await invalid({ ...valid, reason: 'x'.repeat(501) }, /longer than 500/);
    await invalid({ ...valid, connection: 'cellar' }, /no just-in-time access/);
    await invalid('{not json', /not JSON/);
    // alice (sre) is no requester under this rule.
    expect(errorOf(await api('alice', 'POST', '', valid)).code).toBe('access_denied');

    const id = await request('10m');
    const own = await api('carol', 'POST', `/${id}/grant`, {});
    expect([own.status, errorOf(own).code]).toEqual([403, 'approval_forbidden']);
    const notApprover = await api('alice', 'POST', `/${id}/grant`, {});
    expect(errorOf(notApprover).code).toBe('access_grant_not_found');
    expect(errorOf(await api('bob', 'POST', '/no-such-request/grant', {})).code).toBe(
      'access_grant_not_found',
    );
    expect(errorOf(await api('bob', 'POST', `/${id}/deny`, {})).code).toBe('access_request_invalid');
    expect(errorOf(await api('bob', 'POST', `/${id}/grant`, { reason: 'a\u0007b' })).code).toBe(
      'access_request_invalid',
    );
    expect((await api('carol', 'GET', `/${id}`)).body['status']).toBe('requested');

    expect((await api('bob', 'POST', `/${id}/deny`, { reason: 'not on call' })).body['status']).toBe(
      'denied',
    );
    const again = await api('bob', 'POST', `/${id}/grant`, {});
    expect([again.status, errorOf(again).code]).toEqual([409, 'approval_decided']);
    const denied = await cli('bob', 'access', 'grant', id);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('already decided (denied');
    expect((await api('carol', 'GET', `/${id}`)).body).toMatchObject({
      status: 'denied',
      decisionReason: 'not on call',
    });
    await expect(carolClient()).rejects.toThrow(/access request/);
  });
});
