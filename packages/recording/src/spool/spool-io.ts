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

export const nodeSpoolIo: SpoolIo = Object.freeze({
  create: (path: string) => open(path, 'wx'),
  writev: async (file: FileHandle, buffers: readonly Buffer[], position: number) =>
    (await file.writev(buffers as Buffer[], position)).bytesWritten,
  sync: (file: FileHandle) => file.datasync(),
  truncate: (file: FileHandle, length: number) => file.truncate(length),
});
