/**
 * Child-process entry: creates the embedded store's database in the directory given as its
 * argument, brings it to the current schema, then exits. See createDatabaseApart.
 */
import { inspect } from 'node:util';
import { PgliteStore } from './pglite-store.js';

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write('usage: pglite-create-database <data directory>\n');
  process.exit(2);
}
try {
  const store = await PgliteStore.openExisting({ dataDir });
  await store.migrate();
  await store.close();
} catch (error) {
  // PGlite's file system errors are not always Errors with a message (an errno object).
  const message =
    error instanceof Error && error.message !== '' ? error.message : inspect(error, { depth: 1 });
  process.stderr.write(`${message.split('\n')[0]}\n`);
  process.exit(1);
}
