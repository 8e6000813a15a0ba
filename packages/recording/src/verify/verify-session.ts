import type { RecordingEvent } from '@airlock/core';
import { ChainCheck } from './chain-check.js';
import { AgreementCheck } from './records-agreement.js';
import type { SessionVerification } from './verification-report.js';

/**
 * Verifies one session's recording: both hash chains (gateway and agent) are gap-free and
 * untampered, and the two records tell the same story (see checkAgreement). Pure apart from
 * hashing; `events` is everything the store holds for the session, in any order.
 */
export function verifySession(events: readonly RecordingEvent[]): SessionVerification {
  const check = new SessionCheck();
  // Stable: events sharing a seq (duplicates) keep their order, as verifyChain keeps it.
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) check.add(event);
  return check.report(events[0]?.sessionId);
}

/**
 * `verifySession` over a session read a page at a time (see `eventPages`): each chain is checked
 * link by link as pages arrive, and only a small digest of each message is kept for the agreement
 * check, so memory grows by a few hundred bytes per message rather than by the messages. Each
 * source's events must arrive in seq order, as the store pages them (source, seq, id).
 */
export async function verifySessionPages(
  pages: AsyncIterable<readonly RecordingEvent[]>,
): Promise<SessionVerification> {
  const check = new SessionCheck();
  let sessionId: string | undefined;
  for await (const page of pages) {
    for (const event of page) {
      sessionId ??= event.sessionId;
      check.add(event);
    }
  }
  return check.report(sessionId);
}

/** Both chains and the agreement check, fed one event at a time. */
class SessionCheck {
  readonly #chains = { gateway: new ChainCheck(), agent: new ChainCheck() };
  readonly #agreement = new AgreementCheck();

  add(event: RecordingEvent): void {
    this.#chains[event.source].add(event);
    this.#agreement.add(event);
  }

  report(sessionId: string | undefined): SessionVerification {
    const chains = { gateway: this.#chains.gateway.report(), agent: this.#chains.agent.report() };
    const agreement = this.#agreement.report();
    return {
      ok: chains.gateway.breaks.length === 0 && chains.agent.breaks.length === 0 && agreement.ok,
      sessionId,
      chains,
      agreement,
    };
  }
}
