import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '@airlock/core';

const LOCK_FILE = 'spool.lock';

/**
 * One process per spool directory: two writers would interleave records and both delete
 * segments. The lock holds the owner's pid; a lock whose process is gone (a crash, `kill -9`)
 * is taken over, since nothing else removes it.
 */
export async function lockSpool(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new AirlockError(
        'config_invalid',
        `The recording spool ${dir} is in use by process ${owner}. Give each gateway and agent its own spool directory.`,
        { data: { spoolDir: dir, ownerPid: owner } },
      );
    }
    await unlink(path).catch(() => {});
  }
  throw new AirlockError(
    'config_invalid',
    `Could not lock the recording spool ${dir}; remove ${path} if no process uses it.`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
