import type { RecordingConfig } from '@airlock/core';

/** What the store thread opens (its `workerData`): plain data, as a worker receives it. */
export type StoreThreadOptions =
  | {
      readonly kind: 'pglite';
      readonly dataDir: string;
      readonly encryption?: RecordingConfig['encryption'];
    }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly encryption?: RecordingConfig['encryption'];
      /** The thread's own pool; default 2 (it stores batches one after another). */
      readonly maxConnections?: number | undefined;
    };
