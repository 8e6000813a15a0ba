import { connectV2Client, startModernHttp, type RunningModernServer } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';

/**
 * 2026-07-28 `subscriptions/listen`: a long-lived POST whose SSE answer carries change
 * notifications. Through Airlock it is one exchange stream that stays open until the client closes
 * the subscription, and closing it releases the upstream request.
 */
let modern: RunningModernServer;
let airlock: AirlockHarness;

beforeAll(async () => {
  modern = await startModernHttp({ host: '127.0.0.1', port: 0, legacy: 'reject' });
  airlock = await startAirlock({
    connections: { modern: { transport: 'http', url: modern.url, eras: ['modern'] } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await modern?.close();
});

describe('subscriptions/listen through Airlock', () => {
  it('delivers change notifications on the open stream, and ends it when the client closes', async () => {
    const client = await connectV2Client(airlock.mcpUrl('modern'), { era: 'modern' });
    try {
      const received: string[] = [];
      let wake: (() => void) | undefined;
      client.setNotificationHandler('notifications/tools/list_changed', () => {
        received.push('tools');
        wake?.();
      });
      const subscription = await client.listen({ toolsListChanged: true });
      expect(subscription.honoredFilter).toMatchObject({ toolsListChanged: true });

      for (let i = 1; i <= 2; i++) {
        const arrived = new Promise<void>((resolve) => (wake = resolve));
        modern.notify.toolsChanged();
        await Promise.race([
          arrived,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`notification ${i} did not arrive`)), 5000),
          ),
        ]);
      }
      expect(received).toEqual(['tools', 'tools']);

      // The subscription is its own exchange: ordinary calls keep working beside it.
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('echo');

      await subscription.close();
      expect(await subscription.closed).toBe('local');
      // Nothing leaks at the gateway: no legacy sessions, and a later change reaches nobody.
      modern.notify.toolsChanged();
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
