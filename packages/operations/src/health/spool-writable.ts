import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadinessCheck } from './readiness.js';

/**
 * The spool directory takes a write: a probe file is written and removed. In strict recording a
 * call whose events cannot be spooled is refused, so a process that cannot write there is unready.
 */
export function spoolWritable(dir: string): ReadinessCheck {
  const probe = join(dir, '.airlock-readiness-probe');
  return async () => {
    try {
      await writeFile(probe, 'ok');
      await unlink(probe);
      return undefined;
    } catch (error) {
      return `cannot write to the recording spool ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}): free space or fix its permissions`;
    }
  };
}
