import { AirlockError } from '@airlock/core';

/** Keyset position: the last session of a page, by (started_at, id). Opaque to callers. */
export interface SessionCursor {
  readonly startedAt: string;
  readonly id: string;
}

export function encodeSessionCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt, cursor.id]), 'utf8').toString('base64url');
}

export function decodeSessionCursor(text: string): SessionCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      Number.isFinite(Date.parse(parsed[0])) &&
      typeof parsed[1] === 'string'
    ) {
      return { startedAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new AirlockError(
    'invalid_params',
    'The session list cursor is not one this store issued; start again without a cursor.',
  );
}
