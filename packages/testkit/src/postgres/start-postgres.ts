import { execFile, execFileSync } from 'node:child_process';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from '../process/free-port.js';
import { findPostgresBinaries, type PostgresBinaries } from './find-postgres-binaries.js';

export interface RunningPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`, trust auth, loopback only. */
  readonly connectionString: string;
  readonly port: number;
  /** Creates an empty database and returns its connection string (isolates suites in one cluster). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and deletes its files. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Milliseconds to wait for the server to accept connections; default 30 s. */
  readonly startTimeoutMs?: number;
}

interface Runner {
  /** Runs a server binary as the `postgres` OS user when we are root (initdb refuses root). */
  (file: string, args: readonly string[], cwd: string): Promise<string>;
  sync(file: string, args: readonly string[], cwd: string): void;
}

function command(file: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
}

const run: Runner = Object.assign(
  (file: string, args: readonly string[], cwd: string) =>
    new Promise<string>((resolve, reject) => {
      const [bin, argv] = command(file, args);
      execFile(bin, argv, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${basename(file)} ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      });
    }),
  {
    sync(file: string, args: readonly string[], cwd: string) {
      const [bin, argv] = command(file, args);
      execFileSync(bin, argv, { cwd, stdio: 'ignore', timeout: 15_000 });
    },
  },
);

async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'Running as root, PostgreSQL must run as the `postgres` OS user, and there is none. Install the PostgreSQL server package (it creates the user) or `useradd --system postgres`.',
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A throwaway PostgreSQL cluster from the server binaries on this machine: a temp directory, a
 * free loopback port, a unix socket inside the temp directory, fsync off (the data is disposable).
 * Always call `stop()`; if the process exits first, an exit hook stops the server and deletes it.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const binaries: PostgresBinaries = await findPostgresBinaries();
  const owner = await postgresOwner();
  const baseDir = await mkdtemp(join(tmpdir(), 'airlock-postgres-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  let started = false;
  const stopSync = (): void => {
    if (started) {
      try {
        run.sync(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], baseDir);
      } catch {
        // already stopped
      }
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopSync);
    if (started) {
      started = false;
      await run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], baseDir).catch(
        () => undefined,
      );
    }
    await rm(baseDir, { recursive: true, force: true });
  };

  try {
    if (owner) await chown(baseDir, owner.uid, owner.gid);
    await run(
      binaries.initdb,
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
      baseDir,
    );
    // Appending keeps the file's owner (postgres).
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${baseDir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    const timeoutSeconds = String(Math.ceil((options.startTimeoutMs ?? 30_000) / 1000));
    // freePort is racy (another process may bind the port first), so retry on a fresh port.
    let port = 0;
    for (let attempt = 1; ; attempt += 1) {
      port = await freePort();
      // Set before pg_ctl returns: a start that timed out may still bring the server up later.
      started = true;
      try {
        await run(
          binaries.pgCtl,
          ['start', '-D', dataDir, '-l', logFile, '-w', '-t', timeoutSeconds, '-o', `-p ${port}`],
          baseDir,
        );
        break;
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt < 3 && /could not bind|address already in use/i.test(log)) continue;
        throw new Error(
          `PostgreSQL did not start: ${(error as Error).message}\nServer log:\n${log.slice(-2000)}`,
        );
      }
    }
    const connectionString = (database: string): string =>
      `postgresql://postgres@127.0.0.1:${port}/${database}`;
    return {
      connectionString: connectionString('postgres'),
      port,
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name))
          throw new Error(`Use a plain lower-case database name, not "${name}".`);
        await run(
          binaries.createdb,
          ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name],
          baseDir,
        );
        return connectionString(name);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
