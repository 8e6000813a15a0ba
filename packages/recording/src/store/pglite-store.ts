import { access, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import { AirlockError } from '@airlock/core';
import { createDatabaseApart } from './create-database-apart.js';
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

/**
 * A `json` parameter goes to PGlite as its UTF-8 bytes, in binary format (for json that is the
 * text itself): given a string, PGlite's protocol writer measures its UTF-8 length in a JavaScript
 * loop over every character, twice, before encoding it. The store's batches are one JSON parameter
 * of ~100 KB; measured in a profile of storing batches of 100 events, those loops were 7 % of the
 * CPU per stored event, Buffer.from's native encoding is a fraction of that.
 */
const JSON_OID = 114;
function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
}
// PGlite's types say a serializer returns a string; its protocol writer sends any ArrayBuffer view
// it returns as a binary-format value (the store tests round-trip every kind of JSON through it).
const QUERY_OPTIONS = { serializers: { [JSON_OID]: jsonBytes } } as unknown as QueryOptions;

function queryable(db: PGlite | Transaction): SqlQueryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params], QUERY_OPTIONS);
      return result.rows;
    },
    async execScript(sql: string) {
      await db.exec(sql);
    },
  };
}

/** Whether `dataDir` holds a database already (PostgreSQL writes PG_VERSION when it creates one). */
async function databaseExists(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, in a data directory, no server to run.
 * PGlite runs one query at a time, so it suits one gateway; several gateways share PostgreSQL.
 */
export class PgliteStore extends SqlRecordingStore {
  static async open(options: PgliteStoreOptions): Promise<PgliteStore> {
    await mkdir(options.dataDir, { recursive: true });
    // Created (and migrated) in a process of its own (see createDatabaseApart), then opened like on
    // any later start.
    if (!(await databaseExists(options.dataDir))) {
      if ((await readdir(options.dataDir)).length > 0) {
        throw new AirlockError(
          'recording_unavailable',
          `The store directory ${options.dataDir} holds files but no database (it has no PG_VERSION). Point recording.store.dataDir at an empty or missing directory, or move those files away, then start again.`,
        );
      }
      await createDatabaseApart(options.dataDir);
    }
    return PgliteStore.openExisting(options);
  }

  /** Opens the database in `dataDir`, creating it here if it does not exist (the child's part). */
  static async openExisting(options: PgliteStoreOptions): Promise<PgliteStore> {
    const db = await PGlite.create(options.dataDir, { startParams: pgliteStartParams() });
    const client: SqlClient = {
      ...queryable(db),
      transaction: (work) => db.transaction((tx) => work(queryable(tx))),
      close: () => db.close(),
    };
    // One database, one process: the trigger's NOTIFY reaches this listener at commit. PGlite runs
    // no autovacuum daemon: the store vacuums and analyzes its tables itself.
    return new PgliteStore(
      client,
      { encryption: options.encryption, maintainTables: true },
      async (onChange) => {
        const unlisten = await db.listen(CHANGE_CHANNEL, (payload) => onChange(changeOfPayload(payload)));
        return () => unlisten();
      },
    );
  }
}
