/**
 * Kinesis Data Streams service limits (PutRecords API reference): at most 500 records and 5 MiB
 * per request, partition keys included; one record's data blob plus its partition key at most
 * 1 MiB; partition keys 1..256 Unicode characters.
 */
export interface KinesisLimits {
  readonly maxRecordsPerRequest: number;
  readonly maxRequestBytes: number;
  readonly maxRecordBytes: number;
}

export const KINESIS_LIMITS: KinesisLimits = Object.freeze({
  maxRecordsPerRequest: 500,
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
});

export const MAX_PARTITION_KEY_CHARS = 256;
