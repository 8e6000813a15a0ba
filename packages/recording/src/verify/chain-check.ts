import { AirlockError, checkChainLink, type ChainBreak, type RecordingEvent } from '@airlock/core';
import { sha256Hex } from '../recorder/sha256-hex.js';
import type { ChainReport } from './verification-report.js';

/**
 * One (session, source) hash chain checked link by link as its events arrive: the incremental
 * form of core's `verifyChain`, with exactly its breaks (gaps, duplicates, hash and prevHash
 * mismatches), holding only the previous link instead of the whole chain. Events must arrive in
 * seq order; of several events with one seq, the first to arrive is the link, the rest are
 * duplicates (`verifyChain` keeps the input order of equal seqs the same way).
 */
export class ChainCheck {
  readonly #breaks: ChainBreak[] = [];
  /** The chain's name when its source has several in the session (breaks then name it). */
  readonly #chain: string | undefined;
  #events = 0;
  #previous: { readonly seq: number; readonly hash: string; readonly id: string } | undefined;

  constructor(chain?: string) {
    this.#chain = chain;
  }

  add(event: RecordingEvent): void {
    const previous = this.#previous;
    if (previous !== undefined && event.seq < previous.seq) {
      throw new AirlockError(
        'internal',
        `Event ${event.id} (${event.source} seq ${event.seq}) arrived after seq ${previous.seq} (event ${previous.id}); a chain is checked in seq order, as the store pages it. Read the session's events again in store order.`,
      );
    }
    this.#events += 1;
    if (previous !== undefined && event.seq === previous.seq) {
      this.#broken({
        seq: event.seq,
        eventId: event.id,
        problem: 'duplicate',
        detail: `seq ${event.seq} appears twice`,
      });
      return;
    }
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (event.seq !== expectedSeq) {
      this.#broken({
        seq: expectedSeq,
        eventId: undefined,
        problem: 'gap',
        detail: `events ${expectedSeq}..${event.seq - 1} are missing`,
      });
    }
    const consecutive = previous !== undefined && event.seq === previous.seq + 1;
    for (const problem of checkChainLink(event, consecutive ? previous.hash : undefined, sha256Hex))
      this.#broken(problem);
    this.#previous = { seq: event.seq, hash: event.hash, id: event.id };
  }

  #broken(problem: ChainBreak): void {
    this.#breaks.push(this.#chain === undefined ? problem : { chain: this.#chain, ...problem });
  }

  report(): ChainReport {
    return { events: this.#events, breaks: [...this.#breaks] };
  }
}
