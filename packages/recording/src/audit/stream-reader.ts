import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { AirlockError } from '@airlock/core';
import { backoffDelayMs, DEFAULT_BACKOFF, waitBackoff } from '../kinesis/backoff.js';
import { isRetryableKinesisError } from '../kinesis/retryable-error.js';
import type { StreamRecordData } from './audit-pipeline.js';

export type StreamStart = 'start' | 'latest';

export interface StreamReaderOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** `start`: TRIM_HORIZON, all the stream retains; `latest`: only records put from now on. */
  readonly from: StreamStart;
  /** Wait between polling rounds that found nothing. Default 1 s. */
  readonly pollIntervalMs?: number | undefined;
  /** How often shards are listed again to pick up resharding. Default 30 s. */
  readonly shardRefreshMs?: number | undefined;
  /** Called once, when every shard has its iterator: from here on nothing put is missed. */
  readonly onReading?: ((shards: number) => void) | undefined;
}

interface ShardCursor {
  /** Where to start when there is no last record: the reader's start for the first shards listed. */
  readonly from: StreamStart;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
}

// Kinesis allows 5 GetRecords calls per second per shard: never poll one faster than this.
const MIN_ROUND_MS = 200;

/**
 * Reads every shard of a stream by polling (ListShards, GetShardIterator, GetRecords), one round
 * over all shards at a time, and yields each round's records (an empty round too, so the caller
 * can run its timers). Throttling and network errors are retried with backoff; an expired
 * iterator is renewed after the last record read; shards that appear later (resharding) are read
 * from their start. Ends when `signal` aborts.
 */
export async function* readStreamRounds(
  options: StreamReaderOptions,
  signal: AbortSignal,
): AsyncGenerator<StreamRecordData[]> {
  const cursors = new Map<string, ShardCursor>();
  const finished = new Set<string>();
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const shardRefreshMs = options.shardRefreshMs ?? 30_000;
  let listedAt = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let firstListing = true;
  let reading = false;

  while (!signal.aborted) {
    const roundStart = Date.now();
    const records: StreamRecordData[] = [];
    let behind = false;
    try {
      if (roundStart - listedAt >= shardRefreshMs) {
        for (const shard of await listShards(options, signal)) {
          const id = shard.ShardId;
          if (id === undefined || cursors.has(id) || finished.has(id)) continue;
          // Shards appearing later are children of a reshard: all of them is new.
          cursors.set(id, {
            from: firstListing ? options.from : 'start',
            iterator: undefined,
            lastSequenceNumber: undefined,
          });
        }
        listedAt = roundStart;
        firstListing = false;
      }
      for (const [shardId, cursor] of cursors) {
        cursor.iterator ??= await shardIterator(options, shardId, cursor, signal);
        if (cursor.iterator === undefined) continue;
        let answer;
        try {
          answer = await options.client.send(
            new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 1000 }),
            {
              abortSignal: signal,
            },
          );
        } catch (error) {
          if ((error as { name?: string }).name !== 'ExpiredIteratorException') throw error;
          cursor.iterator = undefined; // renewed after the last record read, next round
          continue;
        }
        for (const record of answer.Records ?? []) {
          if (record.Data === undefined || record.SequenceNumber === undefined) continue;
          records.push({ shardId, sequenceNumber: record.SequenceNumber, data: record.Data });
          cursor.lastSequenceNumber = record.SequenceNumber;
        }
        if ((answer.MillisBehindLatest ?? 0) > 0) behind = true;
        cursor.iterator = answer.NextShardIterator;
        if (cursor.iterator === undefined) {
          // A closed shard (split or merged) has been read to its end; its children carry on.
          cursors.delete(shardId);
          finished.add(shardId);
          listedAt = Number.NEGATIVE_INFINITY;
        }
      }
      failures = 0;
      if (!reading) {
        reading = true;
        options.onReading?.(cursors.size);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (!isRetryableKinesisError(error)) {
        throw new AirlockError(
          'recording_unavailable',
          `Cannot read Kinesis stream "${options.streamName}": ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}. ` +
            'Check the stream name, region, credentials and the kinesis:ListShards, GetShardIterator and GetRecords permissions.',
          { cause: error },
        );
      }
      failures += 1;
      yield records;
      await pause(backoffDelayMs(failures, DEFAULT_BACKOFF), signal);
      continue;
    }
    yield records;
    const elapsed = Date.now() - roundStart;
    const wait = records.length > 0 || behind ? MIN_ROUND_MS - elapsed : pollIntervalMs - elapsed;
    if (wait > 0) await pause(wait, signal);
  }
}

async function listShards(options: StreamReaderOptions, signal: AbortSignal): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const answer = await options.client.send(
      new ListShardsCommand(
        nextToken === undefined ? { StreamName: options.streamName } : { NextToken: nextToken },
      ),
      { abortSignal: signal },
    );
    shards.push(...(answer.Shards ?? []));
    nextToken = answer.NextToken;
  } while (nextToken !== undefined);
  return shards;
}

async function shardIterator(
  options: StreamReaderOptions,
  shardId: string,
  cursor: ShardCursor,
  signal: AbortSignal,
): Promise<string | undefined> {
  const type: ShardIteratorType =
    cursor.lastSequenceNumber !== undefined
      ? 'AFTER_SEQUENCE_NUMBER'
      : cursor.from === 'start'
        ? 'TRIM_HORIZON'
        : 'LATEST';
  const answer = await options.client.send(
    new GetShardIteratorCommand({
      StreamName: options.streamName,
      ShardId: shardId,
      ShardIteratorType: type,
      ...(cursor.lastSequenceNumber !== undefined
        ? { StartingSequenceNumber: cursor.lastSequenceNumber }
        : {}),
    }),
    { abortSignal: signal },
  );
  return answer.ShardIterator;
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await waitBackoff(ms, signal);
  } catch {
    // Aborted: the loop condition ends the generator.
  }
}
