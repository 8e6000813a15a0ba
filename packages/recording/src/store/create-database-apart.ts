import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '@airlock/core';

/**
 * Creates the embedded store's database, migrated, in a child process that exits. Creating it (initdb) grows
 * PGlite's WebAssembly memory and the C allocator's heap of the thread that runs it by ~120 MB,
 * and neither is given back to the system while the process lives: closing the instance, a full
 * collection, even a worker thread that exits left it resident. A process that exits returns all
 * of it. Measured (one process opening a new store, resident size after a full collection):
 * created and migrated in-process 317 MB; created in a child and migrated in the parent 242 MB;
 * both in the child 209-212 MB; an existing store reopened 200 MB. It takes ~1 s longer (a Node.js
 * start and a second open), once per data directory.
 */
export function createDatabaseApart(dataDir: string): Promise<void> {
  // Run from the TypeScript sources (the package's own tests), the compiled entry is in dist.
  const entry = fileURLToPath(
    import.meta.url.endsWith('.ts')
      ? new URL('../../dist/store/pglite-create-database.js', import.meta.url)
      : new URL('./pglite-create-database.js', import.meta.url),
  );
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [entry, dataDir], { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const detail = stderr.trim() || error.message;
      reject(
        new AirlockError(
          'recording_unavailable',
          `Could not create the embedded store's database in ${dataDir} (${detail}). Check that the directory is writable and has free space, then start again.`,
        ),
      );
    });
  });
}
