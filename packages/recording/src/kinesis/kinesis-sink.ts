import { PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { AirlockError, type RecordingEvent } from '@airlock/core';
import { backoffDelayMs, DEFAULT_BACKOFF, waitBackoff, type BackoffPolicy } from './backoff.js';
import { encodeEventRecords, type KinesisRecord } from './event-records.js';
import { createKinesisClient, type KinesisConnectionOptions } from './kinesis-client.js';
import { KINESIS_LIMITS } from './kinesis-limits.js';
import { batchRecords } from './record-batches.js';
import { isRetryableKinesisError, isThrottlingKinesisError } from './retryable-error.js';

export interface KinesisSinkOptions extends KinesisConnectionOptions {
  readonly streamName: string;
  readonly backoff?: Partial<BackoffPolicy> | undefined;
  /** Told before every wait, so the owner can log it (one line per retry, not per record). */
  readonly onRetry?: ((retry: KinesisRetry) => void) | undefined;
  /** A ready client (tests, a shared client); the sink then does not destroy it on close. */
  readonly client?: KinesisClient | undefined;
}

export interface KinesisRetry {
  /** Consecutive failures of this batch without progress, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: 'throttled' | 'partial_failure' | 'request_failed';
  /** Records that will be sent again. */
  readonly records: number;
  readonly error?: unknown;
}

/** Counters since the sink was created. */
export interface KinesisSinkMetrics {
  /** Events whose every record Kinesis accepted. */
  eventsSent: number;
  /** Records Kinesis accepted (chunks count one each). */
  recordsSent: number;
  bytesSent: number;
  /** PutRecords calls made. */
  requests: number;
  /** PutRecords calls that did not store every entry: whole-call errors plus partial failures. */
  failedAttempts: number;
  /** Of those, calls or entries refused for throughput (ProvisionedThroughputExceeded and kin). */
  throttledAttempts: number;
  /** Records sent again after a partial failure or a failed call. */
  recordsRetried: number;
}

/**
 * Publishes recording events to a Kinesis data stream. `send` resolves only once Kinesis has
 * accepted every record of every event given — through throttling, partial failures and outages
 * of any length it keeps retrying with capped, jittered backoff (the spool holds the events and
 * acks them when `send` resolves). It rejects only for errors that repeating cannot fix (no such
 * stream, access denied, no credentials) or when closed; the caller retries those later.
 *
 * Records: one per event, or chunk envelopes for an event over 1 MiB (see chunk-envelope.ts);
 * partition key = session id. Events of one `send` are sent in order, one PutRecords at a time;
 * a retry carries only the entries that failed, so their order relative to the others may change
 * — consumers order by `seq` (as KinesisAuditConsumer does).
 */
export class KinesisSink {
  readonly streamName: string;
  private readonly client: KinesisClient;
  private readonly ownsClient: boolean;
  private readonly backoff: BackoffPolicy;
  private readonly onRetry: ((retry: KinesisRetry) => void) | undefined;
  private readonly closing = new AbortController();
  private readonly counters: KinesisSinkMetrics = {
    eventsSent: 0,
    recordsSent: 0,
    bytesSent: 0,
    requests: 0,
    failedAttempts: 0,
    throttledAttempts: 0,
    recordsRetried: 0,
  };

  constructor(options: KinesisSinkOptions) {
    this.streamName = options.streamName;
    this.client = options.client ?? createKinesisClient(options);
    this.ownsClient = options.client === undefined;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.onRetry = options.onRetry;
  }

  /** Resolves when Kinesis has accepted all `events`; see the class comment for when it rejects. */
  async send(events: readonly RecordingEvent[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.closing.signal])
      : this.closing.signal;
    this.throwIfStopped(signal, undefined);
    const records = events.flatMap((event) => encodeEventRecords(event, KINESIS_LIMITS.maxRecordBytes));
    for (const batch of batchRecords(records, KINESIS_LIMITS)) await this.putBatch(batch, signal);
    this.counters.eventsSent += events.length;
  }

  metrics(): Readonly<KinesisSinkMetrics> {
    return { ...this.counters };
  }

  /** Stops: a `send` in progress rejects with `recording_unavailable`; its events stay unacked. */
  close(): void {
    this.closing.abort(new Error('the Kinesis sink was closed'));
    if (this.ownsClient) this.client.destroy();
  }

  private async putBatch(batch: readonly KinesisRecord[], signal: AbortSignal): Promise<void> {
    let pending = batch;
    let failures = 0;
    while (pending.length > 0) {
      let entries: PutRecordsResultEntry[];
      try {
        this.counters.requests += 1;
        const answer = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.streamName,
            Records: pending.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
          }),
          { abortSignal: signal },
        );
        entries = answer.Records ?? [];
      } catch (error) {
        this.throwIfStopped(signal, error);
        if (!isRetryableKinesisError(error)) {
          throw new AirlockError(
            'recording_unavailable',
            `Kinesis refused PutRecords on stream "${this.streamName}": ${describe(error)}. ` +
              'Check the stream name, region, credentials and the kinesis:PutRecords permission; ' +
              'the spool keeps the events until they are delivered.',
            { cause: error },
          );
        }
        this.counters.failedAttempts += 1;
        const throttled = isThrottlingKinesisError(error);
        if (throttled) this.counters.throttledAttempts += 1;
        this.counters.recordsRetried += pending.length;
        failures += 1;
        await this.wait(failures, throttled ? 'throttled' : 'request_failed', pending.length, signal, error);
        continue;
      }

      // Entries answer positionally; one missing from a malformed answer counts as failed.
      const failed = pending.filter((_, index) => {
        const entry = entries[index];
        return entry === undefined || entry.ErrorCode !== undefined || entry.SequenceNumber === undefined;
      });
      const accepted = pending.length - failed.length;
      this.counters.recordsSent += accepted;
      this.counters.bytesSent +=
        pending.reduce((sum, r) => sum + r.size, 0) - failed.reduce((s, r) => s + r.size, 0);
      if (failed.length === 0) return;
      this.counters.failedAttempts += 1;
      if (entries.some((entry) => entry.ErrorCode === 'ProvisionedThroughputExceededException')) {
        this.counters.throttledAttempts += 1;
      }
      this.counters.recordsRetried += failed.length;
      // Progress restarts the backoff; a call that stored nothing lengthens it.
      failures = accepted > 0 ? 1 : failures + 1;
      await this.wait(failures, 'partial_failure', failed.length, signal, undefined);
      pending = failed;
    }
  }

  private async wait(
    attempt: number,
    reason: KinesisRetry['reason'],
    records: number,
    signal: AbortSignal,
    error: unknown,
  ): Promise<void> {
    const delayMs = backoffDelayMs(attempt, this.backoff);
    this.onRetry?.({ attempt, delayMs, reason, records, ...(error !== undefined ? { error } : {}) });
    try {
      await waitBackoff(delayMs, signal);
    } catch (abort) {
      this.throwIfStopped(signal, abort);
      throw abort;
    }
  }

  private throwIfStopped(signal: AbortSignal, cause: unknown): void {
    if (!signal.aborted) return;
    throw new AirlockError(
      'recording_unavailable',
      `Delivery to Kinesis stream "${this.streamName}" was stopped before every record was accepted; ` +
        'the unacknowledged events stay in the spool and are sent again.',
      { cause: cause ?? signal.reason },
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
