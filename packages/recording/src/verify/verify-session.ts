import { verifyChain, type RecordingEvent, type RecordingSource } from '@airlock/core';
import { sha256Hex } from '../recorder/sha256-hex.js';
import { checkAgreement } from './records-agreement.js';
import type { ChainReport, SessionVerification } from './verification-report.js';

/**
 * Verifies one session's recording: both hash chains (gateway and agent) are gap-free and
 * untampered, and the two records tell the same story (see checkAgreement). Pure apart from
 * hashing; `events` is everything the store holds for the session, in any order.
 */
export function verifySession(events: readonly RecordingEvent[]): SessionVerification {
  const bySource: Record<RecordingSource, RecordingEvent[]> = { gateway: [], agent: [] };
  for (const event of events) bySource[event.source].push(event);
  const chain = (source: RecordingSource): ChainReport => ({
    events: bySource[source].length,
    breaks: verifyChain(bySource[source], sha256Hex),
  });
  const chains = { gateway: chain('gateway'), agent: chain('agent') };
  const agreement = checkAgreement(bySource.gateway, bySource.agent);
  return {
    ok: chains.gateway.breaks.length === 0 && chains.agent.breaks.length === 0 && agreement.ok,
    sessionId: events[0]?.sessionId,
    chains,
    agreement,
  };
}
