import { AirlockError } from '@airlock/core';
import { decodeOpaqueCursor, encodeOpaqueCursor } from './opaque-cursor.js';
import type { EventPosition } from './recording-store.js';

/** A seq is a PostgreSQL integer (see toEventRow); a larger one could only fail the query. */
const MAX_SEQ = 2_147_483_647;

/** An event page's `nextCursor`: its position, opaque to callers (base64url of JSON). */
export function encodeEventCursor(position: EventPosition): string {
  return encodeOpaqueCursor([position.source, position.seq, position.id]);
}

export function decodeEventCursor(text: string): EventPosition {
  const parsed = decodeOpaqueCursor(text);
  if (
    parsed?.length === 3 &&
    (parsed[0] === 'gateway' || parsed[0] === 'agent') &&
    Number.isInteger(parsed[1]) &&
    (parsed[1] as number) >= 0 &&
    (parsed[1] as number) <= MAX_SEQ &&
    typeof parsed[2] === 'string'
  ) {
    return { source: parsed[0], seq: parsed[1] as number, id: parsed[2] };
  }
  throw new AirlockError(
    'invalid_params',
    'The events cursor ("after") is not one this gateway issued; pass the nextCursor of the previous page as it was, or start again without "after".',
  );
}
