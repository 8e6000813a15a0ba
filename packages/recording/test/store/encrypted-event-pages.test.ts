import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { LocalKeyFileWrapper, type RecordingStore } from '../../src/index.js';
import { eventPagingCases } from './helpers/event-paging-cases.js';
import { STORE_BACKENDS, type OpenedStore } from './helpers/store-backends.js';

// Encrypted stores decrypt a page at a time; paging must give the same events as without.
describe.each(STORE_BACKENDS)('event pages of an encrypted store on $name', (backend) => {
  let keyDir: string;
  let opened: OpenedStore;
  let store: RecordingStore;

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'airlock-pages-key-'));
    await LocalKeyFileWrapper.createKeyFile(join(keyDir, 'k'));
    const wrapper = await LocalKeyFileWrapper.open(join(keyDir, 'k'));
    opened = await backend.open({ wrapper });
    store = opened.store;
    await store.migrate();
  });

  afterAll(async () => {
    await opened?.close();
    await rm(keyDir, { recursive: true, force: true });
  });

  eventPagingCases(() => store);
});
