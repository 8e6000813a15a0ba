import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalNotifier, type SlackApprovalPayload } from '../../src/index.js';
import { capturingLogger, eventually, heldApproval } from './helpers/approval-fixtures.js';
import { WebhookReceiver, type ReceiverAnswer } from './helpers/webhook-receiver.js';

// Slack's incoming-webhook URLs carry their credential in the path.
const SLACK_PATH = '/services/T0AIRLOCK/B0AIRLOCK/xoxSecretPathToken123';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function slackDelivery(
  approval = heldApproval(),
  answers: ReceiverAnswer[] = [],
): Promise<{
  payload: SlackApprovalPayload;
  logs: ReturnType<typeof capturingLogger>;
  receiver: WebhookReceiver;
}> {
  const receiver = await WebhookReceiver.start(answers);
  cleanups.push(() => receiver.close());
  const logs = capturingLogger();
  const notifier = createApprovalNotifier({
    webhooks: [{ url: receiver.url(SLACK_PATH), format: 'slack', attempts: 2 }],
    gatewayId: 'gw-a',
    publicUrl: 'https://airlock.example.com',
    logger: logs.logger,
    backoff: { baseMs: 10, maxMs: 20 },
  });
  cleanups.push(() => notifier.close());
  notifier.notify(approval, 'requested');
  await eventually(() => receiver.received.length >= 1);
  const payload = JSON.parse(receiver.received[0]!.body.toString()) as SlackApprovalPayload;
  return { payload, logs, receiver };
}

function blockTexts(payload: SlackApprovalPayload): string[] {
  return payload.blocks.flatMap((block) => {
    if (block.type === 'context') return block.elements.map((e) => e.text);
    if (block.type === 'section')
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    return [block.text.text];
  });
}

describe('Slack approval payload', () => {
  it('has a text fallback, a header, the call as fields, the arguments and how to decide', async () => {
    const { payload, receiver } = await slackDelivery();
    expect(receiver.received[0]!.path).toBe(SLACK_PATH);
    expect(payload.text).toContain('Approval needed: delete_bucket on aws-prod');
    expect(payload.text).toContain('airlock approvals approve apr_7f3a9c');
    expect(payload.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Approval needed: delete_bucket on aws-prod' },
    });
    const fields = payload.blocks.find((b) => b.type === 'section' && b.fields)!;
    expect(fields.type === 'section' && fields.fields!.map((f) => f.text)).toEqual([
      '*Requester*\nalice@example.com',
      '*Connection*\naws-prod',
      '*Tool*\ntools/call delete_bucket',
      '*Rule*\nprod-buckets',
      '*Expires*\n2026-03-01T10:15:00.000Z',
      '*Approval*\napr_7f3a9c',
    ]);
    const texts = blockTexts(payload);
    expect(texts).toContain('```\n{\n  "bucket": "prod-logs",\n  "force": true\n}\n```');
    expect(texts.at(-1)).toBe(
      'Decide with `airlock approvals approve apr_7f3a9c` or `airlock approvals deny apr_7f3a9c` or <https://airlock.example.com/api/v1/approvals/apr_7f3a9c|open it>.',
    );
  });

  it('cuts long arguments to fit a section and escapes what would be Slack markup', async () => {
    const big = 'x'.repeat(10_000);
    const approval = heldApproval({
      params: JSON.stringify({ name: 'delete_bucket', arguments: { note: '<!channel> ```', big } }),
    });
    const { payload } = await slackDelivery(approval);
    const code = blockTexts(payload).find((t) => t.startsWith('```'))!;
    expect(code.length).toBeLessThanOrEqual(3000);
    expect(code).toMatch(/characters, cut\)\n```$/);
    expect(code).toContain('&lt;!channel&gt;');
    expect(code).not.toContain('<!channel>');
    // The arguments' own ``` cannot close the block early: only the two fences remain.
    expect(code.match(/```/g)).toHaveLength(2);
    for (const block of payload.blocks) expect(JSON.stringify(block).length).toBeLessThan(3500);
  });

  it('logs failures with the origin only, never the URL path that is the credential', async () => {
    const { logs, receiver } = await slackDelivery(heldApproval(), [
      { status: 500, body: `upstream failed for ${SLACK_PATH}` },
      { status: 404, body: 'no_service' },
    ]);
    await eventually(() => logs.lines().some((l) => l['level'] === 50));
    expect(receiver.received).toHaveLength(2);
    const text = logs.text();
    expect(text).toContain(`http://127.0.0.1:${receiver.port}`);
    expect(text).toContain('HTTP 404: no_service');
    expect(text).not.toContain('xoxSecretPathToken123');
    expect(text).not.toContain('/services/');
  });

  it('logs a refused connection without the URL path', async () => {
    const receiver = await WebhookReceiver.start();
    const url = receiver.url(SLACK_PATH);
    await receiver.close();
    const logs = capturingLogger();
    const notifier = createApprovalNotifier({
      webhooks: [{ url, format: 'slack', attempts: 2 }],
      gatewayId: 'gw-a',
      logger: logs.logger,
      backoff: { baseMs: 10, maxMs: 20 },
    });
    cleanups.push(() => notifier.close());
    notifier.notify(heldApproval(), 'requested');
    await eventually(() => logs.lines().some((l) => l['level'] === 50));
    expect(logs.text()).toContain('ECONNREFUSED');
    expect(logs.text()).not.toContain('xoxSecretPathToken123');
  });
});
