import { setTimeout as sleep } from 'node:timers/promises';
import { childLogger } from '@airlock/core';
import { pino, type Logger } from 'pino';
import { backoffDelayMs, type BackoffPolicy } from '../kinesis/backoff.js';
import { spooledAt, type Spool, type SpoolBatch } from '../spool/spool.js';
import type { DeliverySink } from './delivery-sink.js';

export interface SpoolDeliveryOptions {
  readonly spool: Spool;
  readonly sink: DeliverySink;
  readonly logger?: Logger;
  /** Records per delivery; default 500 (a Kinesis PutRecords holds at most 500). */
  readonly batchSize?: number;
  /** Retry delays after a failed delivery; default 100 ms growing to 10 s, jittered. */
  readonly backoff?: BackoffPolicy;
  /**
   * How long the pump waits before reading a batch that would not be full, so events batch up:
   * after new events arrive when it was idle, and after delivering a partial batch. Delivery is
   * asynchronous (the call already proceeded once its events were spooled), and the cost of a
   * delivery is mostly per batch: PGlite spends ~830 µs of CPU per event stored one at a time,
   * ~130 in batches of 10 and ~45 in batches of 100 (measured on the benchmark machine). Without
   * the wait after a delivery, a busy pump would read what arrived during its last delivery, a
   * handful of events, and spend its CPU (taken from the relay) on per-batch overhead.
   */
  readonly lingerMs?: number;
}

/**
 * Long enough to batch a busy gateway's events, short enough that the store is near real time.
 * The store's cost per event falls with the batch: one transaction, one merge row per session in
 * it however many of its events it holds. Measured (the worker store fed by two pumps, a gateway's
 * and an agent's, 4,000 events/s from 32 sessions, CPU of the process per stored event; load
 * average 13-18): 137 µs with batches every 50 ms, 92 every 200 ms, 84 every 400 ms.
 */
export const DEFAULT_DELIVERY_LINGER_MS = 200;

/** Counters since start, for metrics and tests. */
export interface SpoolDeliveryStats {
  delivered: number;
  batches: number;
  failures: number;
  /**
   * Milliseconds spent in successful deliveries: with `delivered` it gives the sink's sustained
   * rate (events per busy second), with `batches` the mean batch time, as rates over a window.
   */
  busyMs: number;
}

const DEFAULT_DELIVERY_BACKOFF: BackoffPolicy = { baseDelayMs: 100, maxDelayMs: 10_000 };

/**
 * The pump from the spool to one sink: read from the sink's cursor, deliver, acknowledge, repeat;
 * wait for the next append when caught up. A failed delivery is retried (same batch, jittered
 * backoff) until it succeeds: a record is never skipped, so an outage only grows the spool.
 */
export class SpoolDelivery {
  readonly sinkName: string;
  readonly stats: SpoolDeliveryStats = { delivered: 0, batches: 0, failures: 0, busyMs: 0 };
  /**
   * When the oldest event read and not yet delivered was recorded (ms since the epoch), while a
   * batch is in delivery or failing; undefined when caught up. What the backlog-age metric reads.
   */
  oldestUndeliveredAt: number | undefined;
  private readonly spool: Spool;
  private readonly sink: DeliverySink;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly backoff: BackoffPolicy;
  private readonly lingerMs: number;
  private readonly abort = new AbortController();
  private stopping = false;
  private wakeStop: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failingSince: number | undefined;

  constructor(options: SpoolDeliveryOptions) {
    this.spool = options.spool;
    this.sink = options.sink;
    this.sinkName = options.sink.name;
    this.batchSize = options.batchSize ?? 500;
    this.backoff = options.backoff ?? DEFAULT_DELIVERY_BACKOFF;
    this.lingerMs = options.lingerMs ?? DEFAULT_DELIVERY_LINGER_MS;
    this.logger = childLogger(options.logger ?? pino({ enabled: false }), {
      component: 'spool-delivery',
      sink: this.sinkName,
    });
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error({ err: error }, 'recording delivery stopped');
    });
  }

  /**
   * Delivers what the spool holds now, then stops. After `timeoutMs` a delivery still failing or
   * in flight is abandoned: its records stay in the spool and go out after the next start.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    this.wakeStop?.();
    if (!this.loop) return;
    const timer = setTimeout(() => this.abort.abort(new Error('recording delivery stopped')), timeoutMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    while (!signal.aborted) {
      let batch: SpoolBatch;
      try {
        batch = await this.spool.read(this.sinkName, undefined, this.batchSize);
      } catch (error) {
        // Reading can fail for reasons that pass (KMS unreachable while unwrapping a session's
        // data key, a key file being rotated): retry like a failed delivery; ending the pump
        // would leave the spool growing with nobody delivering it until the next restart.
        if (signal.aborted || this.stopping) {
          if (!signal.aborted)
            this.logger.warn(
              { err: error },
              `stopping with recording events not yet read for ${this.sinkName}; they stay in the spool`,
            );
          return;
        }
        attempt += 1;
        await this.backOff(error, attempt, undefined, 'could not read recording events from the spool for');
        continue;
      }
      if (batch.records.length === 0) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => {
          this.wakeStop = resolve;
          void this.spool.nextAppend().then(resolve);
        });
        // Let the events of the next few calls join this batch (stop still wakes at once).
        await this.linger();
        continue;
      }
      // The first record's time, unless finding it means parsing a large record: then the first
      // one whose time is known (a later one, so the backlog's age reads a little young), or now.
      let firstAt: string | undefined;
      for (const record of batch.records) {
        firstAt = spooledAt(record);
        if (firstAt !== undefined) break;
      }
      this.oldestUndeliveredAt ??= firstAt === undefined ? Date.now() : Date.parse(firstAt);
      const deliveryStarted = performance.now();
      try {
        await this.sink.deliver(batch.records, signal);
      } catch (error) {
        // Stopping: what could not be delivered stays spooled for the next start; no retry loop.
        if (signal.aborted || this.stopping) {
          if (!signal.aborted)
            this.logger.warn(
              { err: error, records: batch.records.length },
              `stopping with recording events not yet delivered to ${this.sinkName}; they stay in the spool`,
            );
          return;
        }
        attempt += 1;
        await this.backOff(error, attempt, batch.records.length, 'could not deliver recording events to');
        continue;
      }
      if (this.failingSince !== undefined) {
        this.logger.info(
          { outageMs: Date.now() - this.failingSince, attempts: attempt },
          `delivering recording events to ${this.sinkName} again`,
        );
        this.failingSince = undefined;
      }
      attempt = 0;
      this.stats.delivered += batch.records.length;
      this.stats.batches += 1;
      this.stats.busyMs += performance.now() - deliveryStarted;
      await this.spool.ack(this.sinkName, batch.next);
      this.oldestUndeliveredAt = undefined;
      // A full batch means a backlog: go on at once. Otherwise let the next batch fill up.
      if (batch.records.length < this.batchSize) await this.linger();
    }
  }

  /** Waits `lingerMs`; `stop` cuts it short so what is left is delivered at once. */
  private async linger(): Promise<void> {
    if (this.lingerMs <= 0 || this.stopping) return;
    await new Promise<void>((resolve) => {
      this.wakeStop = resolve;
      setTimeout(resolve, this.lingerMs).unref();
    });
    this.wakeStop = undefined;
  }

  /** Counts the failure, logs it (one warning per outage) and waits the jittered backoff. */
  private async backOff(
    error: unknown,
    attempt: number,
    records: number | undefined,
    what: string,
  ): Promise<void> {
    this.stats.failures += 1;
    const delayMs = backoffDelayMs(attempt, this.backoff);
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      // One line per outage, not per retry.
      this.logger.warn(
        { err: error, records, retryInMs: Math.round(delayMs) },
        `${what} ${this.sinkName}; retrying (they stay in the spool)`,
      );
    } else {
      this.logger.debug({ err: error, attempt, retryInMs: Math.round(delayMs) }, 'delivery retry');
    }
    await sleep(delayMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}
