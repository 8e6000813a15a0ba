import { READABLE_SCHEMA_VERSIONS, type RecordingEvent } from '@airlock/core';
import { z } from 'zod';
import { CHUNK_ENVELOPE_VERSION, type ChunkEnvelope } from '../kinesis/chunk-envelope.js';

export type DecodedRecord =
  | { readonly kind: 'event'; readonly event: RecordingEvent }
  | { readonly kind: 'chunk'; readonly envelope: ChunkEnvelope }
  | { readonly kind: 'invalid'; readonly reason: string };

const HEX64 = /^[0-9a-f]{64}$/;

// Only what the consumer relies on is checked; every other field is kept exactly as received
// (the hash covers all of them, so nothing may be dropped or coerced).
const eventShape = z.looseObject({
  schema: z.number().refine((v) => READABLE_SCHEMA_VERSIONS.includes(v), 'an unknown schema version'),
  id: z.string().min(1),
  sessionId: z.string().min(1),
  source: z.enum(['gateway', 'agent']),
  seq: z.number().int().positive(),
  at: z.string(),
  kind: z.string(),
  prevHash: z.string().regex(HEX64),
  hash: z.string().regex(HEX64),
});

const envelopeShape = z.object({
  v: z.literal(CHUNK_ENVELOPE_VERSION),
  eventId: z.string().min(1),
  sessionId: z.string().min(1),
  chunk: z.number().int().nonnegative(),
  chunks: z.number().int().min(2).max(10_000),
  data: z.base64(),
});

/** Parses one record's data blob: a whole event, a chunk envelope, or why it is neither. */
export function decodeRecordData(data: Uint8Array): DecodedRecord {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  return decodeRecordValue(value);
}

export function decodeRecordValue(value: unknown): DecodedRecord {
  if (typeof value === 'object' && value !== null && 'chunks' in value && 'v' in value) {
    const envelope = envelopeShape.safeParse(value);
    if (!envelope.success)
      return { kind: 'invalid', reason: `bad chunk envelope: ${firstIssue(envelope.error)}` };
    if (envelope.data.chunk >= envelope.data.chunks) {
      return {
        kind: 'invalid',
        reason: `chunk ${envelope.data.chunk} of ${envelope.data.chunks} is out of range`,
      };
    }
    return { kind: 'chunk', envelope: envelope.data };
  }
  const event = eventShape.safeParse(value);
  if (!event.success) return { kind: 'invalid', reason: `not a recording event: ${firstIssue(event.error)}` };
  return { kind: 'event', event: value as RecordingEvent };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}
