import { canonicalEventText, GENESIS_HASH, type ChainBreak, type RecordingEvent } from '@airlock/core';

/**
 * Checks one event as the next link of its chain — the incremental form of core's `verifyChain`,
 * with the same problems and wording: its hash must match its content, and its `prevHash` must
 * be the genesis hash (seq 1) or `previousHash` (when the predecessor is known).
 */
export function checkChainLink(
  event: RecordingEvent,
  previousHash: string | undefined,
  sha256Hex: (text: string) => string,
): ChainBreak[] {
  const breaks: ChainBreak[] = [];
  const actual = sha256Hex(canonicalEventText(event));
  if (actual !== event.hash) {
    breaks.push({
      seq: event.seq,
      eventId: event.id,
      problem: 'hash_mismatch',
      detail: `content does not match its hash (recomputed ${actual.slice(0, 12)}…, recorded ${event.hash.slice(0, 12)}…)`,
    });
  }
  const expectedPrev = event.seq === 1 ? GENESIS_HASH : previousHash;
  if (expectedPrev !== undefined && event.prevHash !== expectedPrev) {
    breaks.push({
      seq: event.seq,
      eventId: event.id,
      problem: 'prev_hash_mismatch',
      detail: `prevHash does not match the hash of seq ${event.seq - 1}`,
    });
  }
  return breaks;
}
