import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteStore, type StoreChange } from '@airlock/recording';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeHub } from '../../src/live/change-hub.js';

const logger = pino({ enabled: false });

describe('the change hub', () => {
  let dir: string;
  let store: PgliteStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-hub-'));
    store = await PgliteStore.open({ dataDir: dir });
    await store.migrate();
  }, 60_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('watches the store only while someone listens, and passes its hints on', async () => {
    const hub = new ChangeHub({ store, logger });
    const heard: StoreChange[] = [];
    const stop = hub.subscribe((change) => heard.push(change));
    await expect
      .poll(async () => {
        await store.holdCall({
          id: `apr-hub-${heard.length}-${Date.now()}`,
          digest: `d-${Date.now()}-${Math.random()}`,
          sessionId: 's',
          connection: 'c',
          requester: { subject: 'alice', groups: [] },
          method: 'tools/call',
          target: 't',
          params: '{}',
          rule: 'r',
          message: undefined,
          requirement: { approverGroups: ['sre'], required: 1, requiredGroups: [] },
          holdSeconds: 60,
          rememberSeconds: 0,
          at: new Date(),
        });
        return heard.some((c) => c.kind === 'approval');
      })
      .toBe(true);
    stop();
    await hub.close();
  });

  it('ends every stream and admits none once the gateway stops', async () => {
    const hub = new ChangeHub({ store, logger });
    let ended = 0;
    hub.onClose(() => (ended += 1));
    hub.onClose(() => (ended += 1));
    const release = hub.admit('alice');
    await hub.close();
    expect(ended).toBe(2);
    release();
    expect(hub.streams).toBe(0);
    expect(() => hub.admit('alice')).toThrow(expect.objectContaining({ code: 'gateway_draining' }));
  });

  // Last: it closes the store.
  it('falls back to re-reading every few seconds when the store cannot be watched', async () => {
    await store.close();
    const hub = new ChangeHub({ store, logger, resyncMs: 60_000, fallbackMs: 100 });
    const heard: StoreChange[] = [];
    const stop = hub.subscribe((change) => heard.push(change));
    await expect.poll(() => heard.filter((c) => c.kind === 'resync').length).toBeGreaterThanOrEqual(2);
    stop();
    await hub.close();
  });
});
