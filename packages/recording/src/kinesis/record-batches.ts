import type { KinesisRecord } from './event-records.js';
import { KINESIS_LIMITS, type KinesisLimits } from './kinesis-limits.js';

/**
 * Packs records, in order, into PutRecords requests within the record-count and byte limits.
 * Every record must already fit `maxRecordBytes` (encodeEventRecords guarantees it).
 */
export function batchRecords(
  records: readonly KinesisRecord[],
  limits: KinesisLimits = KINESIS_LIMITS,
): KinesisRecord[][] {
  const batches: KinesisRecord[][] = [];
  let current: KinesisRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (record.size > limits.maxRecordBytes) {
      throw new RangeError(`record of ${record.size} bytes exceeds the ${limits.maxRecordBytes}-byte limit`);
    }
    if (current.length === limits.maxRecordsPerRequest || bytes + record.size > limits.maxRequestBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
