/**
 * Worker-thread entry for WorkerStore: owns the store (PGlite, or a PostgreSQL pool for storing
 * events) so its work runs off the gateway's event loop. Messages: { id, method, args } → { id, ok,
 * value | error }; `{ change }` for the change feed and `{ connectionError }` for the gateway's log.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { AirlockError } from '@airlock/core';
import { keyWrapperFromConfig } from '../crypto/key-wrapper-from-config.js';
import { fullCollection } from '../memory/full-collection.js';
import { trimHeapWhenQuiet } from '../memory/heap-trim.js';
import { PgliteStore } from './pglite-store.js';
import { PostgresStore } from './postgres-store.js';
import type { StoreThreadOptions } from './store-thread-options.js';
import type { RecordingStore } from './recording-store.js';

interface Call {
  readonly id: number;
  readonly method: keyof RecordingStore;
  readonly args: unknown[];
}

function wireError(error: unknown): { code: string; message: string; data?: Record<string, unknown> } {
  const failure = AirlockError.from(error);
  return { code: failure.code, message: failure.message, ...(failure.data ? { data: failure.data } : {}) };
}

const port = parentPort;
if (port === null) throw new Error('store-thread must run in a worker thread');
const options = workerData as StoreThreadOptions;

/**
 * Storing is background work: the spool already holds every event durably, and the store may lag
 * under load and catch up. On Linux a nice value belongs to a thread, and pid 0 is the calling
 * thread: this lowers the database thread only, so when CPU is short the relay's own thread wins.
 * One step below the roles' other helper threads (HELPER_THREAD_NICE, 10 in @airlock/operations):
 * those do the collector's work for the relay's heap too. Elsewhere (or without permission) it
 * may apply to nothing or fail; then nothing changes.
 */
const BACKGROUND_NICE = 11;
try {
  if (process.platform === 'linux') setPriority(0, BACKGROUND_NICE);
} catch {
  // Not permitted here: the thread runs at the process's priority.
}

try {
  const wrapper = await keyWrapperFromConfig(options.encryption);
  const encryption = wrapper === undefined ? {} : { encryption: { wrapper } };
  const store =
    options.kind === 'postgres'
      ? PostgresStore.open({
          connectionString: options.connectionString,
          maxConnections: options.maxConnections ?? 2,
          ...encryption,
          // Without a listener `pg` would end the thread on a failed idle connection; the pool
          // replaces it, and the gateway logs why.
          onIdleConnectionError: (error) => port.postMessage({ connectionError: error.message }),
        })
      : await PgliteStore.open({ dataDir: options.dataDir, ...encryption });
  let watching: Promise<unknown> | undefined;
  // Opening may have created the database in an instance of its own, and the gateway migrates
  // next: both leave garbage that only a full collection frees (see fullCollection). The closed
  // instance's memory is still referenced until its closing has unwound: collect on the next turn.
  setTimeout(fullCollection, 0);
  // After a large batch or a busy spell, an idle store thread would keep what it left for a long time.
  trimHeapWhenQuiet();
  port.on('message', (call: Call) => {
    if (call.method === 'watchChanges') {
      // One listener for the thread; the proxy fans changes out to its watchers.
      watching ??= store.watchChanges((change) => port.postMessage({ change }));
      watching.then(
        () => port.postMessage({ id: call.id, ok: true, value: undefined }),
        (error: unknown) => port.postMessage({ id: call.id, ok: false, error: wireError(error) }),
      );
      return;
    }
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    // A method that throws before its promise would otherwise take the thread down with it.
    Promise.resolve()
      .then(() => method.apply(store, call.args))
      .then(
        (value) => {
          if (call.method === 'migrate') fullCollection();
          port.postMessage({ id: call.id, ok: true, value });
        },
        (error: unknown) => port.postMessage({ id: call.id, ok: false, error: wireError(error) }),
      );
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: wireError(error) });
}
