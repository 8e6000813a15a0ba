import type { StoredSessionKey } from '../crypto/session-key-ring.js';
import type { SqlQueryable } from './sql-client.js';

interface KeyRow {
  session_id: string;
  key_id: string;
  wrapped_key: string;
}

/** `recording_session_keys`: one wrapped data key per session (migration 2). */
export async function loadSessionKey(
  db: SqlQueryable,
  sessionId: string,
): Promise<StoredSessionKey | undefined> {
  const rows = await db.query<KeyRow>(
    'SELECT session_id, key_id, wrapped_key FROM recording_session_keys WHERE session_id = $1',
    [sessionId],
  );
  const row = rows[0];
  return row ? { sessionId: row.session_id, keyId: row.key_id, wrapped: row.wrapped_key } : undefined;
}

/**
 * Inserts unless the session has a key already, then reads back whichever key the session has:
 * two gateways creating the first key of one session at once both end up using the same key.
 */
export async function saveSessionKeyIfAbsent(
  db: SqlQueryable,
  key: StoredSessionKey,
): Promise<StoredSessionKey> {
  await db.query(
    `INSERT INTO recording_session_keys (session_id, key_id, wrapped_key) VALUES ($1, $2, $3)
     ON CONFLICT (session_id) DO NOTHING`,
    [key.sessionId, key.keyId, key.wrapped],
  );
  return (await loadSessionKey(db, key.sessionId)) ?? key;
}

export async function deleteSessionKeys(db: SqlQueryable, sessionIds: readonly string[]): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const rows = await db.query<{ session_id: string }>(
    'DELETE FROM recording_session_keys WHERE session_id = ANY($1::text[]) RETURNING session_id',
    [[...sessionIds]],
  );
  return rows.length;
}
