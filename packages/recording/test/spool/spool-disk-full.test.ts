import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { AirlockError } from '@airlock/core';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSpoolIo, Spool } from '../../src/index.js';
import { DiskFullIo } from './disk-full-io.js';
import { readAll, TempDirs, testEvent } from './spool-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

describe('Spool on a full disk', () => {
  it('refuses appends with recording_unavailable, leaves no partial record, and works again once space is freed', async () => {
    const dir = temp.make();
    // Room for three and a half records: the fourth write is cut short and leaves a partial frame
    // longer than the small record written after space is freed, so it would show if not removed.
    const frameBytes = JSON.stringify(testEvent(1, 1000)).length + 8;
    const disk = new DiskFullIo(Math.floor(frameBytes * 3.5));
    const spool = await Spool.open({ dir, io: disk.io, sinks: ['store'] });
    const settled = [];
    for (let seq = 1; seq <= 10; seq += 1) {
      settled.push(
        await spool.append(testEvent(seq, 1000)).then(
          () => 'ok',
          (error: unknown) => error,
        ),
      );
    }
    const accepted = settled.filter((outcome) => outcome === 'ok').length;
    expect(accepted).toBe(3);
    const error = settled.at(-1) as AirlockError;
    expect(AirlockError.is(error, 'recording_unavailable')).toBe(true);
    expect(error.httpStatus).toBe(503);
    expect(error.jsonRpcCode).toBe(-32007);
    expect(error.message).toContain(`Could not record the message`);
    expect(error.message).toContain('(disk full?)');
    expect(error.message).toContain(`Free space in ${dir}`);
    expect(error.data).toMatchObject({ spool: dir, errno: 'ENOSPC' });

    disk.free();
    await spool.append(testEvent(11));
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual([
      ...Array.from({ length: accepted }, (_, i) => i + 1),
      11,
    ]);
    await spool.close();

    // On disk too: the cut-short write was truncated away, so recovery finds nothing damaged.
    const reopened = await Spool.open({ dir, sinks: ['store'] });
    expect(reopened.problems).toEqual([]);
    expect((await readAll(reopened, 'store')).map((e) => e.seq).at(-1)).toBe(11);
    await reopened.close();
  });

  it('reports ENOSPC from a real full device (/dev/full as the segment file)', async () => {
    if (!existsSync('/dev/full')) return;
    closeSync(openSync('/dev/full', 'w')); // writable here, or this throws and the test fails loudly
    const dir = temp.make();
    const spool = await Spool.open({
      dir,
      sinks: ['store'],
      io: { ...nodeSpoolIo, create: () => open('/dev/full', 'w') },
    });
    const failure = await spool.append(testEvent(1)).catch((error: unknown) => error);
    expect(AirlockError.is(failure, 'recording_unavailable')).toBe(true);
    expect((failure as AirlockError).data).toMatchObject({ errno: 'ENOSPC' });
    await spool.close();
  });

  it('fails at open with recording_unavailable when the directory cannot be created', async () => {
    // A path below a regular file (ENOTDIR): permission errors cannot be produced as root.
    const file = join(temp.make(), 'not-a-directory');
    writeFileSync(file, '');
    const failure = await Spool.open({ dir: join(file, 'spool') }).catch((error: unknown) => error);
    expect(AirlockError.is(failure, 'recording_unavailable')).toBe(true);
    expect((failure as Error).message).toContain(join(file, 'spool'));
  });
});
