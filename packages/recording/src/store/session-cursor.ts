import { AirlockError } from '@airlock/core';
import { decodeOpaqueCursor, encodeOpaqueCursor } from './opaque-cursor.js';

/** Keyset position: the last session of a page, by (started_at, id). Opaque to callers. */
export interface SessionCursor {
  readonly startedAt: string;
  readonly id: string;
}

export function encodeSessionCursor(cursor: SessionCursor): string {
  return encodeOpaqueCursor([cursor.startedAt, cursor.id]);
}

export function decodeSessionCursor(text: string): SessionCursor {
  const parsed = decodeOpaqueCursor(text);
  if (
    parsed?.length === 2 &&
    typeof parsed[0] === 'string' &&
    Number.isFinite(Date.parse(parsed[0])) &&
    typeof parsed[1] === 'string'
  ) {
    return { startedAt: parsed[0], id: parsed[1] };
  }
  throw new AirlockError(
    'invalid_params',
    'The session list cursor is not one this store issued; start again without a cursor.',
  );
}
