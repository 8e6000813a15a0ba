import { access, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';

export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly createdb: string;
}

const INSTALL_HINT =
  'Install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`; it provides initdb and pg_ctl in /usr/lib/postgresql/<version>/bin), or set AIRLOCK_POSTGRES_BIN to the directory holding initdb and pg_ctl.';

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function binariesIn(binDir: string): Promise<PostgresBinaries | undefined> {
  const found = {
    binDir,
    initdb: join(binDir, 'initdb'),
    pgCtl: join(binDir, 'pg_ctl'),
    createdb: join(binDir, 'createdb'),
  };
  for (const file of [found.initdb, found.pgCtl, found.createdb])
    if (!(await executable(file))) return undefined;
  return found;
}

/**
 * The PostgreSQL server binaries: `AIRLOCK_POSTGRES_BIN` if set, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian's layout, where they are not on PATH).
 */
export async function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): Promise<PostgresBinaries> {
  const override = env['AIRLOCK_POSTGRES_BIN'];
  if (override) {
    const found = await binariesIn(override);
    if (found) return found;
    throw new Error(
      `AIRLOCK_POSTGRES_BIN=${override} does not hold executable initdb, pg_ctl and createdb. ${INSTALL_HINT}`,
    );
  }
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const found = await binariesIn(join(root, version, 'bin'));
    if (found) return found;
  }
  throw new Error(`PostgreSQL server binaries not found in ${root}/*/bin. ${INSTALL_HINT}`);
}
