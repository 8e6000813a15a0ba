import { AirlockError } from '@airlock/core';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../store/opaque-cursor.js';

/**
 * Where a reader of the change feed stands: rows stamped (change_xid, id) after this. `xid` is a
 * PostgreSQL xid8 as decimal text (64-bit, so never a JS number).
 */
export interface ChangeCursor {
  readonly xid: string;
  readonly id: string;
}

const XID = /^\d{1,20}$/;

export function encodeChangeCursor(cursor: ChangeCursor): string {
  return encodeOpaqueCursor(['c', cursor.xid, cursor.id]);
}

/** The cursor, or a 400 that says to start again: the text came from a client (Last-Event-ID). */
export function decodeChangeCursor(text: string): ChangeCursor {
  const parsed = decodeOpaqueCursor(text);
  if (
    parsed?.length === 3 &&
    parsed[0] === 'c' &&
    typeof parsed[1] === 'string' &&
    XID.test(parsed[1]) &&
    typeof parsed[2] === 'string'
  ) {
    return { xid: parsed[1], id: parsed[2] };
  }
  throw new AirlockError(
    'invalid_params',
    'The stream position (Last-Event-ID or "after") is not one this gateway gave out; reconnect without it to start from now.',
  );
}
