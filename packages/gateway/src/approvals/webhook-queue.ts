import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ApprovalEvent } from './approval-payloads.js';
import { retryDelayMs, type WebhookBackoff } from './webhook-backoff.js';
import { sendWebhookAttempt, type AttemptOutcome } from './webhook-attempt.js';
import { DELIVERY_HEADER, signWebhookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-signature.js';

/** One configured webhook, its secret read and its URL parsed. */
export interface WebhookTarget {
  /** Names it in logs: `gateway.approvals.webhooks[<index>]`. */
  readonly key: string;
  readonly url: URL;
  readonly format: 'json' | 'slack';
  readonly secret: string | undefined;
  readonly attempts: number;
}

/** One notification to one webhook; its delivery id stays the same on every retry. */
export interface WebhookDelivery {
  readonly approvalId: string;
  readonly event: ApprovalEvent;
  readonly deliveryId: string;
  readonly body: Uint8Array;
}

export interface WebhookQueueSettings {
  readonly backoff: WebhookBackoff;
  readonly attemptTimeoutMs: number;
  /** Deliveries sent at once: a slow one does not hold up the others. */
  readonly concurrency: number;
  /** Deliveries waiting for a slot; past it new ones are dropped (logged), so memory stays bounded. */
  readonly maxQueued: number;
  readonly fetch: typeof fetch;
}

const PENDING_HINT = '`airlock approvals list` shows pending approvals meanwhile';

/**
 * The deliveries of one webhook: up to `concurrency` at a time, each retried with backoff. Two
 * notifications of the same approval go out in order (a `decided` never overtakes its `requested`).
 * Logs name the webhook by its key and the URL's origin only: a Slack URL's path is its credential.
 */
export class WebhookQueue {
  private readonly waiting: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lastByApproval = new Map<string, Promise<void>>();
  /** Aborts backoff waits at once on close. */
  private readonly stopWaiting = new AbortController();
  /** Aborts sends still running when the close grace is over. */
  private readonly stopSending = new AbortController();
  private running = 0;
  private abandoned = 0;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly target: WebhookTarget,
    private readonly settings: WebhookQueueSettings,
    logger: Logger,
  ) {
    this.logger = logger.child({ webhook: target.key, origin: target.url.origin, format: target.format });
  }

  private get where(): string {
    return `approval webhook ${this.target.key} (${this.target.url.origin})`;
  }

  enqueue(delivery: WebhookDelivery): void {
    const fields = {
      approvalId: delivery.approvalId,
      event: delivery.event,
      deliveryId: delivery.deliveryId,
    };
    if (this.closed) {
      this.logger.warn(
        fields,
        `${this.where} did not send approval ${delivery.approvalId} (${delivery.event}): the gateway is shutting down; ${PENDING_HINT}.`,
      );
      return;
    }
    if (this.waiting.length >= this.settings.maxQueued) {
      this.logger.error(
        fields,
        `${this.where} dropped approval ${delivery.approvalId} (${delivery.event}): ${this.settings.maxQueued} deliveries are already waiting because the receiver is slow or down. Check the receiver; ${PENDING_HINT}.`,
      );
      return;
    }
    this.waiting.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.settings.concurrency && this.waiting.length > 0) {
      this.start(this.waiting.shift() as WebhookDelivery);
    }
  }

  private start(delivery: WebhookDelivery): void {
    this.running += 1;
    // The predecessor was dequeued earlier, so it is running or done: waiting on it cannot deadlock.
    const previous = this.lastByApproval.get(delivery.approvalId);
    const run: Promise<void> = (async () => {
      if (previous) await previous;
      await this.deliver(delivery);
    })()
      .catch((error: unknown) => {
        this.logger.error(
          { approvalId: delivery.approvalId, reason: error instanceof Error ? error.message : String(error) },
          `${this.where} failed unexpectedly while sending approval ${delivery.approvalId}; this is a bug, please report it. ${PENDING_HINT}.`,
        );
      })
      .finally(() => {
        this.running -= 1;
        this.inFlight.delete(run);
        if (this.lastByApproval.get(delivery.approvalId) === run)
          this.lastByApproval.delete(delivery.approvalId);
        this.pump();
      });
    this.lastByApproval.set(delivery.approvalId, run);
    this.inFlight.add(run);
  }

  private headers(delivery: WebhookDelivery): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'airlock-gateway',
      'x-airlock-event': `approval.${delivery.event}`,
      [DELIVERY_HEADER]: delivery.deliveryId,
    };
    if (this.target.secret !== undefined) {
      // A fresh timestamp per attempt: a retry minutes later still passes the receiver's window.
      const timestamp = Math.floor(Date.now() / 1000);
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = signWebhookBody(this.target.secret, timestamp, delivery.body);
    }
    return headers;
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const { attempts } = this.target;
    const what = `approval ${delivery.approvalId} (${delivery.event})`;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (this.stopWaiting.signal.aborted) {
        this.abandoned += 1;
        return;
      }
      const outcome: AttemptOutcome = await sendWebhookAttempt({
        url: this.target.url,
        body: delivery.body,
        headers: this.headers(delivery),
        timeoutMs: this.settings.attemptTimeoutMs,
        signal: this.stopSending.signal,
        fetch: this.settings.fetch,
      });
      const fields = {
        approvalId: delivery.approvalId,
        event: delivery.event,
        deliveryId: delivery.deliveryId,
        attempt,
        attempts,
        ...('status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {}),
      };
      if (outcome.kind === 'delivered') {
        this.logger.info(fields, `${this.where} delivered ${what} on attempt ${attempt} of ${attempts}.`);
        return;
      }
      if (outcome.kind === 'refused') {
        const secretHint =
          this.target.secret === undefined
            ? ''
            : ' and that the receiver checks signatures with the same secret';
        this.logger.error(
          { ...fields, reason: outcome.reason },
          `${this.where} refused ${what} with ${outcome.reason}; not retried. Check the webhook's url${secretHint}; ${PENDING_HINT}.`,
        );
        return;
      }
      if (this.stopWaiting.signal.aborted) {
        // Closing: no retry will follow, and close() logs what was left undelivered.
        this.abandoned += 1;
        return;
      }
      if (attempt === attempts) {
        this.logger.error(
          { ...fields, reason: outcome.reason },
          `${this.where} gave up on ${what} after ${attempts} attempts (last: ${outcome.reason}); approvers were not notified. Check that the receiver is up and reachable from the gateway; ${PENDING_HINT}.`,
        );
        return;
      }
      const delayMs = retryDelayMs(attempt, this.settings.backoff, outcome.retryAfter);
      this.logger.warn(
        { ...fields, reason: outcome.reason, retryInMs: delayMs },
        `${this.where}: attempt ${attempt} of ${attempts} for ${what} failed (${outcome.reason}); retrying in ${(delayMs / 1000).toFixed(1)} s. If this repeats, check that the receiver is up and reachable from the gateway.`,
      );
      try {
        await sleep(delayMs, undefined, { signal: this.stopWaiting.signal });
      } catch {
        this.abandoned += 1;
        return;
      }
    }
  }

  /**
   * Stops taking deliveries and cancels backoff waits at once; sends already running get up to
   * `graceMs` to finish, then are aborted. Whatever was not delivered is logged once.
   */
  async close(graceMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.waiting.length;
    this.waiting.length = 0;
    this.stopWaiting.abort();
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      sleep(graceMs, undefined, { signal: grace.signal }).catch(() => undefined),
    ]);
    grace.abort();
    this.stopSending.abort(new Error('the gateway is shutting down'));
    await Promise.allSettled([...this.inFlight]);
    const lost = dropped + this.abandoned;
    if (lost > 0) {
      this.logger.warn(
        { undelivered: lost },
        `${this.where}: ${lost} notification(s) were not delivered because the gateway shut down; ${PENDING_HINT}.`,
      );
    }
  }
}
