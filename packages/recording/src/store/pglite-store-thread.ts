/**
 * Worker-thread entry for PgliteWorkerStore: owns the PGlite database so its WebAssembly work runs
 * off the gateway's event loop. Messages: { id, method, args } → { id, ok, value | error }.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { AirlockError, type RecordingConfig } from '@airlock/core';
import { keyWrapperFromConfig } from '../crypto/key-wrapper-from-config.js';
import { fullCollection } from '../memory/full-collection.js';
import { trimHeapWhenQuiet } from '../memory/heap-trim.js';
import { PgliteStore } from './pglite-store.js';
import type { RecordingStore } from './recording-store.js';

interface ThreadOptions {
  readonly dataDir: string;
  readonly encryption?: RecordingConfig['encryption'];
}

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
if (port === null) throw new Error('pglite-store-thread must run in a worker thread');
const options = workerData as ThreadOptions;

/**
 * Storing is background work: the spool already holds every event durably, and the store may lag
 * under load and catch up. On Linux a nice value belongs to a thread, and pid 0 is the calling
 * thread: this lowers the database thread only, so when CPU is short the relay's own thread wins.
 * Elsewhere (or without permission) it may apply to nothing or fail; then nothing changes.
 */
const BACKGROUND_NICE = 10;
try {
  if (process.platform === 'linux') setPriority(0, BACKGROUND_NICE);
} catch {
  // Not permitted here: the thread runs at the process's priority.
}

try {
  const wrapper = await keyWrapperFromConfig(options.encryption);
  const store = await PgliteStore.open({
    dataDir: options.dataDir,
    ...(wrapper === undefined ? {} : { encryption: { wrapper } }),
  });
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
