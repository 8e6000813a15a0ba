import type { SqlQueryable } from '../store/sql-client.js';
import {
  MAX_PENDING_SIGN_INS,
  type ConsoleRecordKind,
  type ConsoleSessionStore,
} from './console-session-store.js';

/** The `console_sessions` table (migration 8). */
export class SqlConsoleSessions implements ConsoleSessionStore {
  constructor(private readonly db: SqlQueryable) {}

  async saveConsoleRecord(
    kind: ConsoleRecordKind,
    key: string,
    sealed: string,
    expiresAt: Date,
  ): Promise<void> {
    await this.db.query('DELETE FROM console_sessions WHERE expires_at <= now()');
    if (kind === 'sign_in') {
      await this.db.query(
        `DELETE FROM console_sessions WHERE kind = 'sign_in' AND key IN (
           SELECT key FROM console_sessions WHERE kind = 'sign_in' ORDER BY expires_at DESC OFFSET $1)`,
        [MAX_PENDING_SIGN_INS - 1],
      );
    }
    await this.db.query(
      `INSERT INTO console_sessions (key, kind, sealed, expires_at) VALUES ($1, $2, $3, $4::timestamptz)
       ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at`,
      [key, kind, sealed, expiresAt.toISOString()],
    );
  }

  async loadConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    const rows = await this.db.query<{ sealed: string }>(
      'SELECT sealed FROM console_sessions WHERE key = $1 AND kind = $2 AND expires_at > now()',
      [key, kind],
    );
    return rows[0]?.sealed;
  }

  async takeConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    const rows = await this.db.query<{ sealed: string; live: boolean }>(
      'DELETE FROM console_sessions WHERE key = $1 AND kind = $2 RETURNING sealed, expires_at > now() AS live',
      [key, kind],
    );
    return rows[0]?.live ? rows[0].sealed : undefined;
  }
}
