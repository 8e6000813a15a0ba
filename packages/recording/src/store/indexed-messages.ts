import type { MessageText } from '@airlock/core';
import { textDigest } from './text-digest.js';
import { RecentMap } from './recent-map.js';

/** Messages up to this many characters are remembered as they are; longer ones by their hash. */
const KEPT_AS_TEXT = 512;

/**
 * The messages this store recently gave search terms, per session. A relayed message is recorded
 * twice with the same bytes, by the gateway and by the agent; the text search answers with
 * sessions, so the second copy's terms would find nothing the first copy's do not. The second
 * copy is stored with no terms of its own (`{}`, which also means "indexed": the background
 * indexer leaves it alone), which halves the search index's writes on the store's hot path.
 *
 * Only copies whose twin this instance stored with terms, in a committed batch, are spared; a
 * copy whose twin was stored by another gateway (a shared store) or is no longer remembered is
 * indexed as before. Events are only deleted with their whole session, so a twin with terms
 * stays as long as the copy without (a shredded session loses all its terms anyway).
 */
export class IndexedMessages {
  readonly #recent = new RecentMap<string, true>(4096);

  /** The memory's key of a message in a session. */
  key(sessionId: string, message: MessageText): string {
    if (typeof message === 'string' && message.length <= KEPT_AS_TEXT) return `${sessionId}\n${message}`;
    return `${sessionId}\n#${textDigest(message)}`;
  }

  /**
   * The memory's key of a session's protocol `_meta` members (their JSON: see
   * messageValueSearchTerms). `@` never starts a message's key: a message's JSON starts with `{`.
   */
  protocolMetaKey(sessionId: string, membersJson: string): string {
    if (membersJson.length <= KEPT_AS_TEXT) return `${sessionId}\n@${membersJson}`;
    return `${sessionId}\n@#${textDigest(membersJson)}`;
  }

  has(key: string): boolean {
    return this.#recent.get(key) === true;
  }

  /** Remembers messages stored with their terms (call once their batch is committed). */
  remember(keys: Iterable<string>): void {
    for (const key of keys) this.#recent.set(key, true);
  }
}
