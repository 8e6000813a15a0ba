import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const QUARANTINED = /^\d{12}\.seg\.corrupt$/;

/**
 * Retention for quarantined segments: they are kept for inspection, but not beyond the retention
 * period like everything else. Returns how many were deleted (last written before `cutoff`).
 */
export async function purgeQuarantined(dir: string, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (const name of await readdir(dir)) {
    if (!QUARANTINED.test(name)) continue;
    const path = join(dir, name);
    const modified = await stat(path).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (modified === undefined || modified >= cutoff.getTime()) continue;
    await unlink(path).then(
      () => (deleted += 1),
      () => {},
    );
  }
  return deleted;
}
