import { nodeSpoolIo, type SpoolIo } from '../../src/index.js';

/**
 * The real file operations with a disk that fills up: writes succeed until `budget` bytes are
 * used, the write that crosses it is cut short (as write(2) does), the next one fails with ENOSPC.
 * `free(bytes)` makes room again.
 */
export class DiskFullIo {
  private budget: number;
  writesRefused = 0;

  constructor(budget: number) {
    this.budget = budget;
  }

  free(bytes = Number.MAX_SAFE_INTEGER): void {
    this.budget = bytes;
  }

  readonly io: SpoolIo = {
    ...nodeSpoolIo,
    writev: async (file, buffers, position) => {
      if (this.budget <= 0) {
        this.writesRefused += 1;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          errno: -28,
          syscall: 'write',
        });
      }
      const all = Buffer.concat(buffers as Buffer[]);
      const part = all.subarray(0, Math.min(all.length, this.budget));
      const written = await nodeSpoolIo.writev(file, [part], position);
      this.budget -= written;
      return written;
    },
  };
}
