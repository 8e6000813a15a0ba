import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryApprovals } from '../../src/index.js';
import { STORE_BACKENDS } from '../store/helpers/store-backends.js';
import { WorkerStore } from '../../dist/index.js';
import { approvalStoreContract } from './helpers/approval-store-contract.js';

approvalStoreContract('memory', () =>
  Promise.resolve({ store: new MemoryApprovals(), close: () => Promise.resolve() }),
);

for (const backend of STORE_BACKENDS) {
  approvalStoreContract(backend.name, async () => {
    const opened = await backend.open();
    await opened.store.migrate();
    return opened;
  });
}

// The gateway runs the embedded store in a worker thread: every answer and every refusal (its
// AirlockError code and data) crosses the thread. Built code: the worker loads the compiled thread.
approvalStoreContract('pglite worker', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-approvals-worker-'));
  const store = await WorkerStore.open({ dataDir: join(dir, 'store') });
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
