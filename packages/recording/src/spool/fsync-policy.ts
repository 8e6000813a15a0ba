/**
 * When the spool forces written records to stable storage.
 *
 * - `always`: an append resolves only after an fdatasync covering it. Concurrent appends share one
 *   fdatasync (group commit), so throughput holds up, but every call waits for the disk's flush
 *   latency (≈0.15 ms p50 and several ms p99 on the benchmark machine's virtual disk). Nothing
 *   acknowledged is lost even on power loss.
 * - `interval` (default): an append resolves once the record is written to the operating system
 *   (write(2) returned). A process crash, `kill -9` included, loses nothing acknowledged: the kernel
 *   owns the pages. A background fdatasync runs at most `fsyncIntervalMs` after the first unsynced
 *   write, so power loss or a kernel crash loses at most that interval of acknowledged events.
 * - `never`: written to the operating system, flushed only when a segment is sealed or the spool
 *   closes; power loss can lose whatever the kernel had not written back (typically ≤ 30 s).
 */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'never'];

/**
 * Chosen from test/bench/recording-bench.mjs: the interval does not touch append latency (the
 * flush runs off the hot path), it only bounds what power loss can take, and below ~10 ms the
 * extra fdatasync calls start to cost throughput on a busy spool.
 */
export const DEFAULT_FSYNC_INTERVAL_MS = 10;
