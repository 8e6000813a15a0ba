import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteStore } from '../../src/index.js';

describe('opening the embedded store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-pglite-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a new database in a process of its own, already migrated', async () => {
    const dataDir = join(dir, 'new');
    const store = await PgliteStore.open({ dataDir });
    try {
      // The child made it and brought it to the current schema: usable before this process migrates.
      expect((await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).trim()).toMatch(/^\d+$/);
      expect(await store.listSessions({ limit: 10 })).toEqual({ sessions: [], nextCursor: undefined });
      await store.migrate();
    } finally {
      await store.close();
    }
  });

  it('refuses a directory that holds files but no database, and says what to do', async () => {
    const dataDir = join(dir, 'stray');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'notes.txt'), 'not a database');
    const opening = PgliteStore.open({ dataDir });
    await expect(opening).rejects.toMatchObject({ code: 'recording_unavailable' });
    await expect(opening).rejects.toThrow(/holds files but no database.*recording\.store\.dataDir/);
    // Nothing was written into it.
    expect(await readFile(join(dataDir, 'notes.txt'), 'utf8')).toBe('not a database');
  });
});
