import { writevSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * The file operations the segment writer performs, injectable so tests can wrap the real file
 * handle and fail it the way a full or broken disk does (ENOSPC after N bytes, EIO on fsync).
 */
export interface SpoolIo {
  /** Creates a new segment file; fails if it exists (two writers on one directory). */
  create(path: string): Promise<FileHandle>;
  /** Writes `buffers` at `position`; resolves with the bytes written, which may be fewer. */
  writev(file: FileHandle, buffers: readonly Buffer[], position: number): Promise<number>;
  /** Makes written data durable (fdatasync: the size is metadata it does sync, timestamps not). */
  sync(file: FileHandle): Promise<void>;
  truncate(file: FileHandle, length: number): Promise<void>;
}

/**
 * The segment write is one synchronous writev(2) on the event loop, not a round trip through
 * libuv's thread pool: copying a group-committed batch into the page cache takes microseconds,
 * while the pool hop costs a thread wake-up, an event-loop wake-up and a queue shared with every
 * fsync and file open of the process (measured: ~0.1–0.5 ms per append under load, four appends
 * per relayed call). The write only blocks when the kernel throttles a writer that outruns the
 * disk, and then every call would wait for the spool anyway. fsync stays asynchronous.
 */
export const nodeSpoolIo: SpoolIo = Object.freeze({
  create: (path: string) => open(path, 'wx'),
  writev: (file: FileHandle, buffers: readonly Buffer[], position: number) => {
    try {
      return Promise.resolve(writevSync(file.fd, buffers, position));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  },
  sync: (file: FileHandle) => file.datasync(),
  truncate: (file: FileHandle, length: number) => file.truncate(length),
});
