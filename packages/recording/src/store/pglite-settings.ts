import { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings for the embedded store, on top of PGlite's own start parameters. PGlite
 * starts with a server's defaults, sized for a database that owns its machine; the embedded store
 * lives inside the gateway's process, where every page it touches stays resident.
 *
 * Measured (a process opening the store in its worker thread on an existing data directory,
 * resident size right after start): PGlite's defaults 378 MB, these settings 250 MB.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  // 128 MB by default, and PGlite allocates it inside its WebAssembly memory, which never shrinks:
  // once a busy store has touched every buffer they all stay resident. The store's hot set is the
  // tail of recording_events, its two indexes and recording_sessions: a few MB.
  shared_buffers: '16MB',
  // One backend in single-user mode; the default 100 sizes shared memory for 100 (lock tables,
  // PGPROC entries) that are allocated and never used.
  max_connections: '2',
  max_wal_senders: '0',
  max_replication_slots: '0',
  autovacuum_worker_slots: '1',
  wal_buffers: '1MB',
  // Nothing replicates from the embedded store: minimal WAL is less to write per stored batch.
  wal_level: 'minimal',
  // PGlite runs with fsync off (-F): it survives the process crashing (the OS holds every write),
  // not the machine crashing. Full-page images only guard against torn pages in a machine crash,
  // so here they are WAL written for nothing.
  full_page_writes: 'off',
  // The planner's default (4) prices a random page read as on a spinning disk; the embedded store's
  // files are local and mostly in the OS's cache. At 4 it answered a text search matching one
  // session of 100,000 by reading every session row (500 ms) rather than looking that one up
  // (1 ms); 1.1 is the usual setting for SSDs.
  random_page_cost: '1.1',
};

/** PGlite's start parameters with PGLITE_SETTINGS added (later `-c` settings win). */
export function pgliteStartParams(): string[] {
  return [
    ...PGlite.defaultStartParams,
    ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
}
