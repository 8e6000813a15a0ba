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
 * 100 ms: the flush runs off the call path, but not for free. Each fdatasync is a journal commit
 * that takes CPU from the same cores and holds up other writes of the file system: measured as
 * the median of 5 paired off/on runs of the relay benchmark (before the recorder's serialisation
 * was made faster), recording added 0.24–0.30 ms p50 to a relayed call with 10 ms, 0.20 ms with
 * 100 ms and with `never`. A process crash loses nothing
 * either way; power loss may take the last 100 ms, about what log shippers and PostgreSQL's
 * asynchronous commit accept. Deployments that want less set `fsyncIntervalMs` or `always`.
 */
export const DEFAULT_FSYNC_INTERVAL_MS = 100;
