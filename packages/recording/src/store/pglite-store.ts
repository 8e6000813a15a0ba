import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pgliteStartParams } from './pglite-settings.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { SqlRecordingStore, type StoreEncryptionOptions } from './sql-recording-store.js';
import { CHANGE_CHANNEL, changeOfPayload } from '../changes/store-change.js';

export interface PgliteStoreOptions {
  /** Directory for the database files; created if missing. One process may open it at a time. */
  readonly dataDir: string;
  /** Encrypt messages at rest (one data key per session, wrapped by `wrapper`). */
  readonly encryption?: StoreEncryptionOptions | undefined;
}

function queryable(db: PGlite | Transaction): SqlQueryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params]);
      return result.rows;
    },
    async execScript(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, in a data directory, no server to run.
 * PGlite runs one query at a time, so it suits one gateway; several gateways share PostgreSQL.
 */
export class PgliteStore extends SqlRecordingStore {
  static async open(options: PgliteStoreOptions): Promise<PgliteStore> {
    await mkdir(options.dataDir, { recursive: true });
    const db = await PGlite.create(options.dataDir, { startParams: pgliteStartParams() });
    const client: SqlClient = {
      ...queryable(db),
      transaction: (work) => db.transaction((tx) => work(queryable(tx))),
      close: () => db.close(),
    };
    // One database, one process: the trigger's NOTIFY reaches this listener at commit. PGlite runs
    // no autovacuum daemon: the store vacuums and analyzes its tables itself.
    return new PgliteStore(client, { encryption: options.encryption, maintainTables: true }, async (onChange) => {
      const unlisten = await db.listen(CHANGE_CHANNEL, (payload) => onChange(changeOfPayload(payload)));
      return () => unlisten();
    });
  }
}
