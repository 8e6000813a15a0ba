import { createHash } from 'node:crypto';
import { MAX_PARTITION_KEY_CHARS } from './kinesis-limits.js';

/**
 * The partition key of every record of a session: its session id, so one session's events (both
 * sources, all chunks) land on one shard in order. Kinesis caps keys at 256 characters; a longer
 * id is replaced by `sha256:` + its hex digest, which is stable and still one key per session.
 */
export function partitionKeyFor(sessionId: string): string {
  if (sessionId.length > 0 && sessionId.length <= MAX_PARTITION_KEY_CHARS) return sessionId;
  return `sha256:${createHash('sha256').update(sessionId).digest('hex')}`;
}
