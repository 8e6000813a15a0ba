import { randomUUID } from 'node:crypto';
import { childLogger, type ApprovalWebhookConfig } from '@airlock/core';
import type { ApprovalRecord } from '@airlock/recording';
import type { Logger } from 'pino';
import { approvalWebhookPayload, type ApprovalEvent } from './approval-payloads.js';
import { slackApprovalPayload } from './slack-approval-payload.js';
import { DEFAULT_WEBHOOK_BACKOFF, type WebhookBackoff } from './webhook-backoff.js';
import { WebhookQueue, type WebhookTarget } from './webhook-queue.js';
import { readWebhookSecret } from './webhook-secret.js';

export interface ApprovalNotifierOptions {
  /** `gateway.approvals.webhooks`. */
  readonly webhooks: readonly ApprovalWebhookConfig[];
  /** The configuration file's folder: where a relative `secretFile` is. Default: the working directory. */
  readonly configDir?: string | undefined;
  /** The gateway's public URL, for the links in payloads; without it only the CLI commands are given. */
  readonly publicUrl?: string | undefined;
  readonly gatewayId: string;
  readonly logger: Logger;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Where `secretEnv` is looked up. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Retry delays. Default: 1 s doubling to at most 60 s, jittered. */
  readonly backoff?: WebhookBackoff;
  /** How long one attempt may take before it counts as failed. Default 10 s. */
  readonly attemptTimeoutMs?: number;
  /** How long close() waits for sends already running. Default 3 s. */
  readonly closeGraceMs?: number;
  /** Deliveries sent at once per webhook. Default 4. */
  readonly concurrency?: number;
  /** Deliveries waiting per webhook before new ones are dropped. Default 1000. */
  readonly maxQueued?: number;
}

/** Tells approvers (Slack, or any receiver of signed JSON) about held calls and their decisions. */
export interface ApprovalNotifier {
  /**
   * Queues one notification per configured webhook and returns at once: never throws, never
   * waits for a receiver. Failures are retried and logged, not reported to the caller.
   */
  notify(approval: ApprovalRecord, event: ApprovalEvent): void;
  /** Stops retry timers and waits (bounded) for sends already running. */
  close(): Promise<void>;
}

/**
 * Builds the notifier: reads every webhook's secret now, so a missing one stops startup
 * (AirlockError `config_invalid`) instead of failing each delivery later.
 */
export function createApprovalNotifier(options: ApprovalNotifierOptions): ApprovalNotifier {
  const logger = childLogger(options.logger, { component: 'approval-webhooks' });
  const env = options.env ?? process.env;
  const targets: WebhookTarget[] = options.webhooks.map((webhook, index) => {
    const key = `gateway.approvals.webhooks[${index}]`;
    return {
      key,
      url: new URL(webhook.url),
      format: webhook.format,
      secret: readWebhookSecret(webhook, { key, configDir: options.configDir, env }),
      attempts: webhook.attempts,
    };
  });
  const settings = {
    backoff: options.backoff ?? DEFAULT_WEBHOOK_BACKOFF,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 10_000,
    concurrency: options.concurrency ?? 4,
    maxQueued: options.maxQueued ?? 1000,
    fetch: options.fetch ?? globalThis.fetch,
  };
  const queues = targets.map((target) => ({ target, queue: new WebhookQueue(target, settings, logger) }));
  const context = { gatewayId: options.gatewayId, publicUrl: options.publicUrl };

  return {
    notify(approval, event) {
      try {
        // Each body is built once and sent byte for byte on every attempt: the signature covers those bytes.
        let json: Uint8Array | undefined;
        let slack: Uint8Array | undefined;
        for (const { target, queue } of queues) {
          const body =
            target.format === 'slack'
              ? (slack ??= Buffer.from(JSON.stringify(slackApprovalPayload(approval, event, context))))
              : (json ??= Buffer.from(JSON.stringify(approvalWebhookPayload(approval, event, context))));
          queue.enqueue({ approvalId: approval.id, event, deliveryId: randomUUID(), body });
        }
      } catch (error) {
        logger.error(
          { approvalId: approval.id, event, reason: error instanceof Error ? error.message : String(error) },
          `Could not build the webhook notification for approval ${approval.id} (${event}); approvers were not notified. This is a bug, please report it; \`airlock approvals list\` shows pending approvals meanwhile.`,
        );
      }
    },
    async close() {
      await Promise.all(queues.map(({ queue }) => queue.close(options.closeGraceMs ?? 3000)));
    },
  };
}
