import { AirlockError } from '@airlock/core';
import type { MessageText } from '@airlock/core';
import type { SqlQueryable } from './sql-client.js';

/**
 * Large messages are stored in parts (store migration 13): a stored message text (JSON, or the
 * base64 of its ciphertext) longer than this many UTF-16 code units goes into
 * `recording_event_parts`, one part per row and per statement, so no statement carries more than
 * one part (at most 3 MiB of UTF-8). PGlite's WebAssembly memory grows to the largest value a
 * statement carries and never gives it back; measured with a 100 MiB tool result, one value left
 * the embedded store ~1 GB larger for good.
 */
export const MESSAGE_PART_CHARS = 1024 * 1024;

/**
 * `text` cut into parts of at most `partChars` code units, or undefined when it fits in one. A
 * cut never falls inside a surrogate pair: each part is valid UTF-16 on its own (the database
 * stores UTF-8, where half a pair would become U+FFFD). Text in pieces is cut where the joined
 * text would be, without joining it: parts are slices of the pieces (no pair spans two pieces).
 */
export function splitMessage(text: MessageText, partChars = MESSAGE_PART_CHARS): string[] | undefined {
  if (text.length <= partChars) return undefined;
  const pieces = typeof text === 'string' ? [text] : text.pieces;
  const parts: string[] = [];
  let part = '';
  let room = partChars;
  for (const piece of pieces) {
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(room, piece.length - at);
      const full = take === room;
      let end = at + take;
      if (full && end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end -= 1;
      part += piece.slice(at, end);
      room -= end - at;
      at = end;
      if (full) {
        parts.push(part);
        part = '';
        room = partChars;
      }
    }
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** The text as one string (a text in pieces joined). */
export function wholeText(text: MessageText): string {
  return typeof text === 'string' ? text : text.pieces.join('');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Writes the parts of one event's message, a statement per part. Stored already: unchanged. */
export async function insertMessageParts(
  tx: SqlQueryable,
  eventId: string,
  parts: readonly string[],
): Promise<void> {
  for (const [index, body] of parts.entries()) {
    await tx.query(
      `INSERT INTO recording_event_parts (event_id, part, body) VALUES ($1, $2, $3)
       ON CONFLICT (event_id, part) DO NOTHING`,
      [eventId, index, body],
    );
  }
}

/** The columns a reader selects to get a message back, parted or not. */
export interface MessageColumns {
  readonly id: string;
  readonly message: string | null;
  /** How many parts hold the message; null when `message` holds it. */
  readonly message_parts: number | null;
}

function isParted(row: MessageColumns): row is MessageColumns & { readonly message_parts: number } {
  return row.message_parts !== null && row.message_parts !== undefined;
}

/**
 * A row's stored message text: its `message` column, or its parts joined back, reading one part
 * per statement (a whole message in one result would grow PGlite's memory like writing it in one
 * value did).
 */
export async function storedMessage(db: SqlQueryable, row: MessageColumns): Promise<string | null> {
  if (!isParted(row)) return row.message;
  const parts: string[] = [];
  for (let part = 0; part < row.message_parts; part += 1) {
    const found = await db.query<{ body: string }>(
      'SELECT body FROM recording_event_parts WHERE event_id = $1 AND part = $2',
      [row.id, part],
    );
    const body = found[0]?.body;
    if (body === undefined) {
      throw new AirlockError(
        'internal',
        `The stored message of event ${row.id} is missing part ${part + 1} of ${row.message_parts}: the store lost rows of recording_event_parts. Restore the store from a backup, or replay the session from the spool or Kinesis.`,
        { data: { eventId: row.id, part, parts: row.message_parts } },
      );
    }
    parts.push(body);
  }
  return parts.join('');
}

/** `rows` with every parted message joined back into `message` (see storedMessage). */
export async function joinMessageParts<Row extends MessageColumns>(
  db: SqlQueryable,
  rows: readonly Row[],
): Promise<Row[]> {
  const joined: Row[] = [];
  for (const row of rows) {
    joined.push(isParted(row) ? { ...row, message: await storedMessage(db, row) } : row);
  }
  return joined;
}
