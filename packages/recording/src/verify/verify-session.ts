import type { RecordingEvent } from '@airlock/core';
import { ChainCheck } from './chain-check.js';
import { AgreementCheck } from './records-agreement.js';
import type { SessionVerification } from './verification-report.js';

/**
 * Verifies one session's recording: every hash chain (the agent's, and the gateway's, or each
 * gateway's when several recorded a modern-era group) is gap-free and untampered, and the two records tell the same story (see checkAgreement). Pure apart from
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
 * chain's events must arrive in seq order, as the store pages them (source, seq, id: several
 * gateway chains of one session interleave by seq, each still in order).
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

/** Every chain (one per source, or one per gateway when several recorded) and the agreement check. */
class SessionCheck {
  readonly #agent = new ChainCheck();
  /** Gateway chains by name ('' for the one unnamed chain of a single gateway). */
  readonly #gateway = new Map<string, { check: ChainCheck; gatewayId: string | undefined }>();
  readonly #agreement = new AgreementCheck();

  add(event: RecordingEvent): void {
    if (event.source === 'agent') this.#agent.add(event);
    else this.#gatewayChain(event).add(event);
    this.#agreement.add(event);
  }

  report(sessionId: string | undefined): SessionVerification {
    const named = [...this.#gateway]
      .map(([chain, { check, gatewayId }]) => ({ chain, gatewayId, ...check.report() }))
      .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
    const gateway = {
      events: named.reduce((sum, c) => sum + c.events, 0),
      breaks: named.flatMap((c) => c.breaks),
    };
    const chains = { gateway, agent: this.#agent.report() };
    const agreement = this.#agreement.report();
    const several = named.some((c) => c.chain !== '');
    return {
      ok: chains.gateway.breaks.length === 0 && chains.agent.breaks.length === 0 && agreement.ok,
      sessionId,
      chains,
      ...(several ? { gatewayChains: named } : {}),
      agreement,
    };
  }

  #gatewayChain(event: RecordingEvent): ChainCheck {
    const name = event.chain ?? '';
    let entry = this.#gateway.get(name);
    if (entry === undefined) {
      entry = { check: new ChainCheck(event.chain), gatewayId: event.gatewayId };
      this.#gateway.set(name, entry);
    }
    return entry.check;
  }
}
