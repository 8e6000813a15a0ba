import type { SessionKeyRing } from '../crypto/session-key-ring.js';
import { messageText } from './message-encryption.js';
import type { SessionFilter, SessionPage, SessionSummary } from './recording-store.js';
import { encodeSessionCursor } from './session-cursor.js';

/** What the search needs from the store: the filtered session list and a session's raw messages. */
export interface MessageSearchSource {
  listSessions(filter: SessionFilter): Promise<SessionPage>;
  storedMessages(sessionId: string): Promise<Array<{ envelope: string; message: string }>>;
}

/** Default bound on messages decrypted per `listSessions` call with `text` under encryption. */
export const DEFAULT_MAX_SEARCH_MESSAGES = 20_000;
const CANDIDATE_PAGE = 100;

/**
 * `text` search when messages are encrypted: SQL cannot look inside ciphertext, so candidate
 * sessions (every other filter applied in SQL, newest first) are decrypted here and matched the way
 * the SQL path matches (case-insensitive substring of the message's JSON text).
 *
 * Bounded: after `maxMessages` decrypted messages the call returns the matches found so far, maybe
 * fewer than `limit`, with a `nextCursor` after the last session it examined, so a client that
 * follows cursors still sees every match, and one request never decrypts an unbounded history.
 */
export async function searchEncryptedMessages(
  filter: SessionFilter,
  source: MessageSearchSource,
  ring: SessionKeyRing | undefined,
  maxMessages: number,
): Promise<SessionPage> {
  const needle = JSON.stringify(filter.text ?? '')
    .slice(1, -1)
    .toLowerCase();
  const matches: SessionSummary[] = [];
  let cursor = filter.cursor;
  let examined = 0;
  for (;;) {
    const page = await source.listSessions({ ...filter, text: undefined, cursor, limit: CANDIDATE_PAGE });
    for (const session of page.sessions) {
      if (matches.length === filter.limit)
        return { sessions: matches, nextCursor: cursorAfter(matches.at(-1)) };
      const stored = await source.storedMessages(session.id);
      examined += stored.length;
      if (await anyMessageContains(stored, needle, ring)) matches.push(session);
      if (examined >= maxMessages) return { sessions: matches, nextCursor: cursorAfter(session) };
    }
    if (page.nextCursor === undefined) return { sessions: matches, nextCursor: undefined };
    cursor = page.nextCursor;
  }
}

async function anyMessageContains(
  stored: ReadonlyArray<{ envelope: string; message: string }>,
  needle: string,
  ring: SessionKeyRing | undefined,
): Promise<boolean> {
  for (const row of stored) {
    const { id, sessionId } = JSON.parse(row.envelope) as { id: string; sessionId: string };
    const text = await messageText(id, sessionId, row.message, ring);
    if (text.toLowerCase().includes(needle)) return true;
  }
  return false;
}

function cursorAfter(session: SessionSummary | undefined): string | undefined {
  return session ? encodeSessionCursor({ startedAt: session.startedAt, id: session.id }) : undefined;
}
