/**
 * Worker-thread entry for PgliteWorkerStore: owns the PGlite database so its WebAssembly work runs
 * off the gateway's event loop. Messages: { id, method, args } → { id, ok, value | error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AirlockError, type RecordingConfig } from '@airlock/core';
import { keyWrapperFromConfig } from '../crypto/key-wrapper-from-config.js';
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

try {
  const wrapper = await keyWrapperFromConfig(options.encryption);
  const store = await PgliteStore.open({
    dataDir: options.dataDir,
    ...(wrapper === undefined ? {} : { encryption: { wrapper } }),
  });
  port.on('message', (call: Call) => {
    const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
    method.apply(store, call.args).then(
      (value) => port.postMessage({ id: call.id, ok: true, value }),
      (error: unknown) => port.postMessage({ id: call.id, ok: false, error: wireError(error) }),
    );
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: wireError(error) });
}
