import type { RecordingEvent } from '@airlock/core';
import { chunkEventText } from './chunk-envelope.js';
import { KINESIS_LIMITS } from './kinesis-limits.js';
import { partitionKeyFor } from './partition-key.js';

/** One Kinesis record ready for PutRecords. */
export interface KinesisRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** The event this record carries (whole or one chunk of it). */
  readonly eventId: string;
  /** Bytes Kinesis counts against its limits: data plus partition key. */
  readonly size: number;
}

/** The records for one event: one if it fits, else its chunk envelopes (see chunk-envelope.ts). */
export function encodeEventRecords(
  event: RecordingEvent,
  maxRecordBytes: number = KINESIS_LIMITS.maxRecordBytes,
): KinesisRecord[] {
  const partitionKey = partitionKeyFor(event.sessionId);
  const keyBytes = Buffer.byteLength(partitionKey);
  const text = Buffer.from(JSON.stringify(event));
  if (text.length + keyBytes <= maxRecordBytes) {
    return [{ partitionKey, data: text, eventId: event.id, size: text.length + keyBytes }];
  }
  return chunkEventText(text, event.id, event.sessionId, maxRecordBytes - keyBytes).map((envelope) => {
    const data = Buffer.from(JSON.stringify(envelope));
    return { partitionKey, data, eventId: event.id, size: data.length + keyBytes };
  });
}
