import { AirlockError } from '@airlock/core';
import { cryptoFailureReason } from '../crypto/crypto-errors.js';
import type { SessionKeyRing } from '../crypto/session-key-ring.js';
import { messageText } from './message-encryption.js';
import { storedMessage, type MessageColumns } from './message-parts.js';
import type { SearchKeys } from './search-keys.js';
import { messageSearchTerms, querySearchTerms, type TermHasher } from './search-terms.js';
import type { SqlQueryable } from './sql-client.js';

/**
 * The `text` filter as SQL: some event of the session holds every term of the query.
 * `param` adds a query parameter and returns its `$n`.
 */
export async function textSearchCondition(
  text: string,
  keys: SearchKeys,
  param: (value: unknown) => string,
): Promise<string> {
  const terms = querySearchTerms(text, await keys.searching());
  if (terms.length === 0) {
    throw new AirlockError(
      'invalid_params',
      `The text filter "${text}" has no word in it: the search matches whole words (letters and digits), ignoring case and punctuation. Search for a word of the message.`,
    );
  }
  return `EXISTS (SELECT 1 FROM recording_events e WHERE e.session_id = s.id
    AND e.search_terms @> ${param(terms)}::bigint[])`;
}

/** What one run of `indexStoredMessages` did. */
export interface MessageIndexing {
  /** Messages given their search terms. */
  readonly indexed: number;
  /**
   * Messages that could not be read (tampered, or their session key was shredded): they get no
   * terms, so no search finds them, and they are not tried again.
   */
  readonly unreadable: number;
}

interface StoredRow extends MessageColumns {
  readonly envelope: string;
}

// A parted message (message-parts.ts) always has its terms: it was stored after they existed.
const UNINDEXED = `SELECT id, envelope, message, message_parts FROM recording_events
  WHERE search_terms IS NULL AND message IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`;
// Messages in clear in an encrypted store: stored before encryption was turned on, so their terms
// are under the public key. One pass over the primary key; a parted message is in clear when its
// first part is.
const IN_CLEAR = `SELECT id, envelope, message, message_parts FROM recording_events e
  WHERE id > $1 AND (message LIKE '{%' OR (message_parts IS NOT NULL AND EXISTS (
    SELECT 1 FROM recording_event_parts p WHERE p.event_id = e.id AND p.part = 0 AND p.body LIKE '{%')))
  ORDER BY id LIMIT $2`;

/**
 * Gives search terms to messages stored without them (before store migration 11), and, in a store
 * that now encrypts, re-indexes under its secret key the messages indexed under the public key,
 * a batch at a time until none is left. Reading keys and decrypting happen outside any
 * transaction (on PGlite a key lookup from inside one would wait for it forever); gateways sharing
 * a store may compute a batch twice, never store it differently. A key that cannot be reached
 * stops the run with its error; the next run continues.
 */
export async function indexStoredMessages(
  db: SqlQueryable,
  keys: SearchKeys,
  ring: SessionKeyRing | undefined,
  batchSize = 500,
): Promise<MessageIndexing> {
  const total = { indexed: 0, unreadable: 0 };
  await indexRows(db, keys, ring, UNINDEXED, 'AND e.search_terms IS NULL', batchSize, total);
  if (await keys.publicTermsLeft()) {
    await indexRows(db, keys, ring, IN_CLEAR, '', batchSize, total);
    await keys.publicTermsGone();
  }
  return total;
}

async function indexRows(
  db: SqlQueryable,
  keys: SearchKeys,
  ring: SessionKeyRing | undefined,
  select: string,
  onlyIf: string,
  batchSize: number,
  total: { indexed: number; unreadable: number },
): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db.query<StoredRow>(select, [after, batchSize]);
    const last = rows.at(-1);
    if (last === undefined) return;
    after = last.id;
    const hasher = await keys.writing();
    const updates: Array<{ id: string; terms: string[] }> = [];
    for (const row of rows) {
      // Parts joined one message at a time: a batch may hold several large messages.
      const terms = await termsOfStored(row, await storedMessage(db, row), hasher, ring);
      if (terms === undefined) total.unreadable += 1;
      else total.indexed += 1;
      updates.push({ id: row.id, terms: terms ?? [] });
    }
    await db.query(
      `UPDATE recording_events e SET search_terms = t.terms
       FROM json_to_recordset($1::json) AS t(id text, terms bigint[])
       WHERE e.id = t.id ${onlyIf}`,
      [JSON.stringify(updates)],
    );
  }
}

async function termsOfStored(
  row: StoredRow,
  message: string | null,
  hasher: TermHasher,
  ring: SessionKeyRing | undefined,
): Promise<string[] | undefined> {
  const { id, sessionId } = JSON.parse(row.envelope) as { id: string; sessionId: string };
  if (message === null) return [];
  let text: string;
  try {
    text = await messageText(id, sessionId, message, ring);
  } catch (error) {
    const reason = cryptoFailureReason(error);
    if (reason === 'tampered' || reason === 'key_missing') return undefined;
    throw error;
  }
  return messageSearchTerms(text, hasher);
}
