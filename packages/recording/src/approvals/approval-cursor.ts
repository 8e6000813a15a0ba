import { AirlockError } from '@airlock/core';
import { decodeOpaqueCursor, encodeOpaqueCursor } from '../store/opaque-cursor.js';

/** Keyset position in the approvals list: the last approval of a page, by (created_at, id). */
export interface ApprovalCursor {
  readonly createdAt: string;
  readonly id: string;
}

export function encodeApprovalCursor(cursor: ApprovalCursor): string {
  return encodeOpaqueCursor([cursor.createdAt, cursor.id]);
}

export function decodeApprovalCursor(text: string): ApprovalCursor {
  const parsed = decodeOpaqueCursor(text);
  if (
    parsed?.length === 2 &&
    typeof parsed[0] === 'string' &&
    Number.isFinite(Date.parse(parsed[0])) &&
    typeof parsed[1] === 'string'
  ) {
    return { createdAt: parsed[0], id: parsed[1] };
  }
  throw new AirlockError(
    'invalid_params',
    'The approvals list cursor is not one this gateway gave out; start again without a cursor.',
  );
}
