import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A test file's own directories under the system's temporary directory, removed together: make
 * one per test with `make`, and call `removeAll` from the file's `afterAll`.
 */
export class TemporaryDirectories {
  readonly #made: string[] = [];

  /** A new, empty directory whose name starts with `prefix`. */
  make(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.#made.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.#made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
