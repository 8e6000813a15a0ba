/**
 * Process entry: creates a new embedded store's database (PGlite's initdb) in the directory given
 * as the first argument, then exits. See PgliteWorkerStore.open for why this is its own process.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pgliteStartParams } from './pglite-settings.js';

const dataDir = process.argv[2];
if (dataDir === undefined) {
  process.stderr.write('usage: pglite-initdb <dataDir>\n');
  process.exit(2);
}
await mkdir(dataDir, { recursive: true });
const db = await PGlite.create(dataDir, { startParams: pgliteStartParams() });
await db.close();
