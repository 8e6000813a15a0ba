import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

export interface StoredRecord {
  shardId: string;
  partitionKey: string;
  data: Buffer;
}

/** Everything a stream holds right now, read straight from the server (no dedupe, no reassembly). */
export async function storedRecords(client: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const records: StoredRecord[] = [];
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (iterator !== undefined) {
      const answer = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of answer.Records ?? []) {
        records.push({
          shardId: shard.ShardId!,
          partitionKey: record.PartitionKey!,
          data: Buffer.from(record.Data!),
        });
      }
      if ((answer.Records ?? []).length === 0) break;
      iterator = answer.NextShardIterator;
    }
  }
  return records;
}

/** Event ids of whole-event records (chunk envelopes are skipped). */
export function eventIdsOf(records: readonly StoredRecord[]): string[] {
  return records
    .map((record) => JSON.parse(record.data.toString('utf8')) as { id?: string; schema?: number })
    .filter((value) => value.schema === 1)
    .map((value) => value.id!);
}
