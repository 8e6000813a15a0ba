import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryToolPins, PostgresStore, type ToolPinStore, type ToolSighting } from '../../src/index.js';
import { STORE_BACKENDS, type OpenedStore } from '../store/helpers/store-backends.js';

const sight = (tool: string, fingerprint: string): ToolSighting => ({
  tool,
  fingerprint,
  definition: JSON.stringify({ name: tool, description: fingerprint }),
});
const at = new Date('2026-12-01T10:00:00Z');

function behaves(name: string, open: () => Promise<{ pins: ToolPinStore; close(): Promise<void> }>) {
  describe(`tool pins (${name})`, () => {
    let opened: { pins: ToolPinStore; close(): Promise<void> };
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('trusts the first sighting, then reports new and changed tools once each, until accepted', async () => {
      const { pins } = opened;
      expect(await pins.recordToolSightings('c1', [sight('a', 'f1'), sight('b', 'f2')], at)).toEqual({
        firstSighting: true,
        changes: [],
      });
      const second = await pins.recordToolSightings(
        'c1',
        [sight('a', 'f1b'), sight('b', 'f2'), sight('n', 'f3')],
        at,
      );
      expect(second.firstSighting).toBe(false);
      expect(second.changes.map((c) => [c.tool, c.change, c.oldFingerprint, c.newFingerprint])).toEqual([
        ['a', 'changed', 'f1', 'f1b'],
        ['n', 'new', undefined, 'f3'],
      ]);
      // The same definitions again: nothing new to report.
      expect(
        (await pins.recordToolSightings('c1', [sight('a', 'f1b'), sight('n', 'f3')], at)).changes,
      ).toEqual([]);
      expect((await pins.toolPins('c1')).map((p) => [p.tool, p.status])).toEqual([
        ['a', 'changed'],
        ['b', 'pinned'],
        ['n', 'new'],
      ]);
      expect(await pins.acceptTools('c1', ['a'], 'alice@example.com', at)).toEqual(['a']);
      expect(await pins.acceptTools('c1', 'all', 'alice@example.com', at)).toEqual(['n']);
      const accepted = await pins.toolPins('c1');
      expect(accepted.every((p) => p.status === 'pinned')).toBe(true);
      expect(accepted.find((p) => p.tool === 'a')?.acceptedBy).toBe('alice@example.com');
      // Another connection has its own pins.
      expect((await pins.recordToolSightings('c2', [sight('a', 'other')], at)).firstSighting).toBe(true);
    });
  });
}

behaves('memory', () => Promise.resolve({ pins: new MemoryToolPins(), close: () => Promise.resolve() }));
for (const backend of STORE_BACKENDS) {
  behaves(backend.name, async () => {
    const opened: OpenedStore = await backend.open();
    await opened.store.migrate();
    return { pins: opened.store, close: () => opened.close() };
  });
}

describe('tool pins shared by two gateways on one PostgreSQL', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("sees the other gateway's sightings and accepts", async () => {
    const first = PostgresStore.open({ connectionString: server.connectionString });
    const second = PostgresStore.open({ connectionString: server.connectionString });
    try {
      await Promise.all([first.migrate(), second.migrate()]);
      const both = await Promise.all([
        first.recordToolSightings('shared', [sight('t', 'v1')], at),
        second.recordToolSightings('shared', [sight('t', 'v1')], at),
      ]);
      expect(both.filter((r) => r.firstSighting)).toHaveLength(1);
      await first.recordToolSightings('shared', [sight('t', 'v2')], at);
      expect((await second.toolPins('shared'))[0]?.status).toBe('changed');
      await second.acceptTools('shared', ['t'], 'bob', at);
      expect((await first.toolPins('shared'))[0]).toMatchObject({ status: 'pinned', acceptedBy: 'bob' });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
