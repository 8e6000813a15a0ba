import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirlockError, type ApprovalWebhookConfig } from '@airlock/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createApprovalNotifier,
  verifyWebhookSignature,
  type ApprovalNotifier,
  type ApprovalNotifierOptions,
  type ApprovalWebhookPayload,
} from '../../src/index.js';
import { capturingLogger, eventually, heldApproval } from './helpers/approval-fixtures.js';
import { WebhookReceiver, type ReceivedDelivery, type ReceiverAnswer } from './helpers/webhook-receiver.js';

const SECRET = 'whsec-0123456789abcdef-shared';
const env = { AIRLOCK_APPROVAL_SECRET: SECRET };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(script: ReceiverAnswer[] = []): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start(script);
  cleanups.push(() => started.close());
  return started;
}

function jsonWebhook(url: string, attempts = 6): ApprovalWebhookConfig {
  return { url, format: 'json', secretEnv: 'AIRLOCK_APPROVAL_SECRET', attempts };
}

function notifier(
  webhooks: ApprovalWebhookConfig[],
  extra: Partial<ApprovalNotifierOptions> = {},
): { notifier: ApprovalNotifier; logs: ReturnType<typeof capturingLogger> } {
  const logs = capturingLogger();
  const created = createApprovalNotifier({
    webhooks,
    gatewayId: 'gw-a',
    publicUrl: 'https://airlock.example.com/',
    logger: logs.logger,
    env,
    backoff: { baseMs: 20, maxMs: 50 },
    attemptTimeoutMs: 2000,
    ...extra,
  });
  cleanups.push(() => created.close());
  return { notifier: created, logs };
}

function header(delivery: ReceivedDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function verifies(
  delivery: ReceivedDelivery,
  options: { secret?: string; body?: Buffer; now?: Date } = {},
): boolean {
  return verifyWebhookSignature({
    secret: options.secret ?? SECRET,
    body: options.body ?? delivery.body,
    timestamp: header(delivery, 'x-airlock-timestamp'),
    signature: header(delivery, 'x-airlock-signature'),
    ...(options.now ? { now: options.now } : {}),
  });
}

describe('approval webhooks (json)', () => {
  it('delivers the signed approval.requested payload with links and the CLI command', async () => {
    const hook = await receiver();
    const { notifier: n } = notifier([jsonWebhook(hook.url())]);
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 1);
    const [delivery] = hook.received as [ReceivedDelivery];
    expect(verifies(delivery)).toBe(true);
    expect(header(delivery, 'content-type')).toMatch(/^application\/json/);
    expect(header(delivery, 'x-airlock-delivery')).toMatch(/^[0-9a-f-]{36}$/);
    const payload = JSON.parse(delivery.body.toString()) as ApprovalWebhookPayload;
    expect(payload).toEqual({
      type: 'approval.requested',
      gateway: 'gw-a',
      approval: {
        id: 'apr_7f3a9c',
        status: 'pending',
        requester: { subject: 'user-1', email: 'alice@example.com', groups: ['dev'] },
        requestedAt: '2026-03-01T10:00:00.000Z',
        expiresAt: '2026-03-01T10:15:00.000Z',
        decidedAt: null,
        connection: 'aws-prod',
        method: 'tools/call',
        tool: 'delete_bucket',
        arguments: { bucket: 'prod-logs', force: true },
        rule: 'prod-buckets',
        message: 'Deleting a production bucket needs an SRE lead.',
        sessionId: 'ses_42',
        requirement: { approverGroups: ['sre-leads'], required: 1, requiredGroups: [] },
        votes: [],
      },
      links: {
        approval: 'https://airlock.example.com/api/v1/approvals/apr_7f3a9c',
        session: 'https://airlock.example.com/api/v1/sessions/ses_42',
        cli: 'airlock approvals approve apr_7f3a9c',
        cliDeny: 'airlock approvals deny apr_7f3a9c',
      },
    });
  });

  it('sends approval.decided with the votes after approval.requested of the same approval', async () => {
    const hook = await receiver([{ status: 503 }]);
    const { notifier: n } = notifier([jsonWebhook(hook.url())]);
    const vote = {
      by: 'user-2',
      groups: ['sre-leads'],
      decision: 'approve' as const,
      at: '2026-03-01T10:01:00.000Z',
    };
    n.notify(heldApproval(), 'requested');
    n.notify(heldApproval({ status: 'approved', votes: [vote], decidedAt: vote.at }), 'decided');
    await eventually(() => hook.received.length === 3);
    const types = hook.received.map((d) => (JSON.parse(d.body.toString()) as ApprovalWebhookPayload).type);
    // The requested one is retried once; the decided one waits for it instead of overtaking it.
    expect(types).toEqual(['approval.requested', 'approval.requested', 'approval.decided']);
    const decided = JSON.parse(hook.received[2]!.body.toString()) as ApprovalWebhookPayload;
    expect(decided.approval).toMatchObject({ status: 'approved', votes: [vote], decidedAt: vote.at });
  });

  it('a receiver rejects a wrong secret, a tampered body and an old timestamp', async () => {
    const hook = await receiver();
    const { notifier: n } = notifier([jsonWebhook(hook.url())]);
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 1);
    const [delivery] = hook.received as [ReceivedDelivery];
    expect(verifies(delivery)).toBe(true);
    expect(verifies(delivery, { secret: 'not-the-secret' })).toBe(false);
    const tampered = Buffer.from(delivery.body.toString().replace('prod-logs', 'prod-data'));
    expect(verifies(delivery, { body: tampered })).toBe(false);
    const sentAt = Number(header(delivery, 'x-airlock-timestamp')) * 1000;
    expect(verifies(delivery, { now: new Date(sentAt + 301_000) })).toBe(false);
    expect(verifies(delivery, { now: new Date(sentAt + 299_000) })).toBe(true);
  });

  it('retries 503 twice and delivers on the third attempt with the same delivery id', async () => {
    const hook = await receiver([{ status: 503 }, { status: 503, headers: { 'retry-after': '0' } }]);
    const { notifier: n, logs } = notifier([jsonWebhook(hook.url())]);
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 3 && logs.text().includes('delivered'));
    expect(hook.received.map((d) => d.answeredWith)).toEqual([503, 503, 200]);
    const ids = new Set(hook.received.map((d) => header(d, 'x-airlock-delivery')));
    expect(ids.size).toBe(1);
    expect(hook.received.every((d) => verifies(d))).toBe(true);
    const warnings = logs.lines().filter((l) => l['level'] === 40);
    expect(warnings.map((l) => l['attempt'])).toEqual([1, 2]);
    expect(logs.text()).not.toContain(SECRET);
    expect(String(warnings[0]!['msg'])).toMatch(
      /attempt 1 of 6 .* failed \(HTTP 503\); retrying in .* check that the receiver/,
    );
  });

  it('does not retry a 400 and logs what to check', async () => {
    const hook = await receiver([{ status: 400, body: 'bad signature' }]);
    const { notifier: n, logs } = notifier([jsonWebhook(hook.url())]);
    n.notify(heldApproval(), 'requested');
    await eventually(() => logs.lines().some((l) => l['level'] === 50));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(hook.received).toHaveLength(1);
    expect(logs.text()).not.toContain(SECRET);
    const [error] = logs.lines().filter((l) => l['level'] === 50);
    expect(error).toMatchObject({
      status: 400,
      attempt: 1,
      approvalId: 'apr_7f3a9c',
      origin: hook.url('').replace(/\/$/, ''),
    });
    expect(String(error!['msg'])).toMatch(
      /refused .* HTTP 400: bad signature; not retried\. Check the webhook's url and that the receiver checks signatures with the same secret/,
    );
  });

  it('gives up after the configured attempts, logging each failure', async () => {
    const hook = await receiver([{ status: 500 }, { status: 502 }]);
    const { notifier: n, logs } = notifier([jsonWebhook(hook.url(), 2)]);
    n.notify(heldApproval(), 'requested');
    await eventually(() => logs.lines().some((l) => l['level'] === 50));
    expect(hook.received).toHaveLength(2);
    const [error] = logs.lines().filter((l) => l['level'] === 50);
    expect(String(error!['msg'])).toMatch(
      /gave up .* after 2 attempts \(last: HTTP 502\); approvers were not notified/,
    );
  });

  it('times out a hanging receiver and retries', async () => {
    const hook = await receiver(['hang']);
    const { notifier: n, logs } = notifier([jsonWebhook(hook.url())], { attemptTimeoutMs: 200 });
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 2 && logs.text().includes('delivered'));
    expect(hook.received.map((d) => d.answeredWith)).toEqual(['hang', 200]);
    expect(logs.lines().find((l) => l['level'] === 40)?.['reason']).toBe('no answer within 200 ms');
  });

  it('notify returns before anything is sent, even to a slow receiver', async () => {
    const hook = await receiver(['hang']);
    const { notifier: n } = notifier([jsonWebhook(hook.url())], { attemptTimeoutMs: 5000, closeGraceMs: 50 });
    const returned = n.notify(heldApproval(), 'requested');
    expect(returned).toBeUndefined();
    expect(hook.received).toHaveLength(0);
    await eventually(() => hook.received.length === 1);
    // The receiver is holding the first attempt; a second notify still returns at once.
    n.notify(heldApproval({ id: 'apr_other' }), 'requested');
    expect(hook.received).toHaveLength(1);
  });

  it('close() stops retries and returns within its grace even while a receiver hangs', async () => {
    const hook = await receiver(['hang']);
    const { notifier: n, logs } = notifier([jsonWebhook(hook.url())], {
      attemptTimeoutMs: 10_000,
      closeGraceMs: 100,
    });
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 1);
    const started = Date.now();
    await n.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logs.text()).toMatch(/1 notification\(s\) were not delivered because the gateway shut down/);
    n.notify(heldApproval(), 'decided');
    expect(logs.text()).toMatch(/the gateway is shutting down/);
  });
});

describe('approval webhook secrets', () => {
  it('a missing secretEnv is a startup error naming the webhook and the variable', () => {
    const attempt = () =>
      createApprovalNotifier({
        webhooks: [
          { url: 'https://hooks.example.com/a', format: 'json', secretEnv: 'NOT_SET_ANYWHERE', attempts: 3 },
        ],
        gatewayId: 'gw-a',
        logger: capturingLogger().logger,
        env: {},
      });
    expect(attempt).toThrow(AirlockError);
    try {
      attempt();
    } catch (error) {
      expect(AirlockError.is(error, 'config_invalid')).toBe(true);
      expect((error as Error).message).toMatch(
        /gateway\.approvals\.webhooks\[0\].*NOT_SET_ANYWHERE.*set NOT_SET_ANYWHERE/,
      );
    }
  });

  it('reads secretFile relative to the configuration folder; a missing file is a startup error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-webhook-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'approvals.secret'), 'file-secret-value\n');
    const hook = await receiver();
    const webhook: ApprovalWebhookConfig = {
      url: hook.url(),
      format: 'json',
      secretFile: 'approvals.secret',
      attempts: 1,
    };
    const { notifier: n } = notifier([webhook], { configDir: dir });
    n.notify(heldApproval(), 'requested');
    await eventually(() => hook.received.length === 1);
    expect(verifies(hook.received[0]!, { secret: 'file-secret-value' })).toBe(true);
    expect(() => notifier([{ ...webhook, secretFile: 'absent.secret' }], { configDir: dir })).toThrow(
      /gateway\.approvals\.webhooks\[0\] is signed with the secret in .*absent\.secret, which cannot be read \(ENOENT\)/,
    );
  });
});
