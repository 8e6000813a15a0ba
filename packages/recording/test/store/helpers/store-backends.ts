import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PgliteStore,
  PostgresStore,
  type RecordingStore,
  type StoreEncryptionOptions,
} from '../../../src/index.js';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';

/**
 * The engines the behavioural suite runs against. Each opens one store per test file (PGlite
 * takes about a second to start) and tears everything down in `close`.
 */
export interface StoreBackend {
  readonly name: 'pglite' | 'postgres';
  /** Opens a fresh store; with `encryption`, one that encrypts messages at rest. */
  open(encryption?: StoreEncryptionOptions): Promise<OpenedStore>;
}

export interface OpenedStore {
  readonly store: RecordingStore;
  close(): Promise<void>;
}

export const pgliteBackend: StoreBackend = {
  name: 'pglite',
  async open(encryption) {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-pglite-'));
    const store = await PgliteStore.open({ dataDir: join(dir, 'store'), encryption });
    return {
      store,
      async close() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: StoreBackend = {
  name: 'postgres',
  async open(encryption) {
    const server: RunningPostgres = await startPostgres();
    try {
      const store = PostgresStore.open({ connectionString: server.connectionString, encryption });
      return {
        store,
        async close() {
          await store.close();
          await server.stop();
        },
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  },
};

export const STORE_BACKENDS: readonly StoreBackend[] = [pgliteBackend, postgresBackend];
