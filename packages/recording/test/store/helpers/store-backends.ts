import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteStore, PostgresStore, type RecordingStore } from '../../../src/index.js';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';

/**
 * The engines the behavioural suite runs against. Each opens one store per test file (PGlite
 * takes about a second to start) and tears everything down in `close`.
 */
export interface StoreBackend {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<OpenedStore>;
}

export interface OpenedStore {
  readonly store: RecordingStore;
  close(): Promise<void>;
}

export const pgliteBackend: StoreBackend = {
  name: 'pglite',
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-pglite-'));
    const store = await PgliteStore.open({ dataDir: join(dir, 'store') });
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
  async open() {
    const server: RunningPostgres = await startPostgres();
    try {
      const store = PostgresStore.open({ connectionString: server.connectionString });
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
