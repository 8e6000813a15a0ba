import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, type KinesisConnectionOptions } from '../kinesis/kinesis-client.js';
import type { AuditItem } from './audit-item.js';
import { AuditPipeline, type AuditPipelineOptions, type AuditPipelineStats } from './audit-pipeline.js';
import { readStreamRounds, type StreamStart } from './stream-reader.js';

export interface KinesisAuditConsumerOptions extends KinesisConnectionOptions {
  readonly streamName: string;
  /** `start` (default): everything the stream retains; `latest`: records put from now on. */
  readonly from?: StreamStart | undefined;
  /** Wait between polls that found nothing. Default 1 s. */
  readonly pollIntervalMs?: number | undefined;
  readonly reorder?: AuditPipelineOptions['reorder'];
  /** Called once every shard is being read (from "latest": nothing put after this is missed). */
  readonly onReading?: ((shards: number) => void) | undefined;
  /** A ready client (tests, a shared client); the consumer then does not destroy it. */
  readonly client?: KinesisClient | undefined;
}

/**
 * A security team's reader of the recording stream: all shards, each event once (deduplicated by
 * id), chunked events reassembled, each (session, source) in `seq` order, hash chains verified as
 * events arrive, breaks reported in place. See AuditPipeline for the rules.
 */
export class KinesisAuditConsumer {
  private readonly client: KinesisClient;
  private readonly ownsClient: boolean;
  private readonly stopping = new AbortController();
  private readonly pipeline: AuditPipeline;

  constructor(private readonly options: KinesisAuditConsumerOptions) {
    this.client = options.client ?? createKinesisClient(options);
    this.ownsClient = options.client === undefined;
    this.pipeline = new AuditPipeline({
      expectChainStart: (options.from ?? 'start') === 'start',
      reorder: options.reorder,
    });
  }

  /** Yields items until `close()` (or `signal` aborts); rejects if the stream cannot be read. */
  async *read(signal?: AbortSignal): AsyncGenerator<AuditItem> {
    const stop = signal ? AbortSignal.any([signal, this.stopping.signal]) : this.stopping.signal;
    const rounds = readStreamRounds(
      {
        client: this.client,
        streamName: this.options.streamName,
        from: this.options.from ?? 'start',
        pollIntervalMs: this.options.pollIntervalMs,
        onReading: this.options.onReading,
      },
      stop,
    );
    for await (const records of rounds) {
      const now = Date.now();
      for (const record of records) yield* this.pipeline.push(record, now);
      yield* this.pipeline.tick(now);
    }
  }

  stats(): Readonly<AuditPipelineStats> {
    return this.pipeline.stats();
  }

  close(): void {
    this.stopping.abort();
    if (this.ownsClient) this.client.destroy();
  }
}
