import type { Logger } from 'pino';
import { writeCursorFile, type CursorMap } from './cursor-file.js';
import type { SpoolPosition } from './spool-position.js';

/**
 * How often acknowledged cursors are written to disk. Every write is a temporary file, two fsyncs
 * and a rename; per acknowledgement that cost each pump milliseconds of disk time and queued the
 * thread pool. A crash re-delivers at most this much, which the at-least-once contract (and the
 * store's and consumer's deduplication by event id) allows.
 */
export const DEFAULT_CURSOR_PERSIST_MS = 1000;

export interface SpoolCursorsOptions {
  readonly dir: string;
  /** Write acknowledgements at most this often; 0 writes each before `advance` resolves. */
  readonly persistMs: number;
  readonly logger: Logger;
  /** Runs after each write: segments the written cursors passed may now be deleted. */
  readonly afterPersist: () => Promise<void>;
}

/**
 * Each sink's position in the spool: in memory at once, in `cursors.json` within `persistMs`.
 * Writes never overlap and never go backwards: a write in progress is followed by at most one
 * more, which takes the positions as they are when it starts.
 */
export class SpoolCursors {
  private readonly options: SpoolCursorsOptions;
  private readonly positions = new Map<string, SpoolPosition>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private lastWrite: Promise<void> = Promise.resolve();
  private queuedWrite: Promise<void> | undefined;

  constructor(options: SpoolCursorsOptions) {
    this.options = options;
  }

  get(sink: string): SpoolPosition | undefined {
    return this.positions.get(sink);
  }

  /** Sets a position without writing it (opening: the caller writes once all are set). */
  set(sink: string, position: SpoolPosition): void {
    this.positions.set(sink, position);
  }

  entries(): IterableIterator<[string, SpoolPosition]> {
    return this.positions.entries();
  }

  snapshot(): CursorMap {
    return Object.fromEntries(this.positions);
  }

  /** A sink acknowledged up to `position` (already checked to be ahead of its cursor). */
  async advance(sink: string, position: SpoolPosition): Promise<void> {
    this.positions.set(sink, position);
    this.dirty = true;
    if (this.options.persistMs === 0) await this.flush();
    else this.schedule();
  }

  /** Writes the positions now if any changed since the last write, then runs `afterPersist`. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.persist();
    } catch (error) {
      this.dirty = true;
      throw error;
    }
    await this.options.afterPersist();
  }

  /** Writes the positions now, whether or not they changed. */
  persist(): Promise<void> {
    if (this.queuedWrite) return this.queuedWrite;
    const write = this.lastWrite
      .catch(() => {})
      .then(() => {
        this.queuedWrite = undefined;
        return writeCursorFile(this.options.dir, this.snapshot());
      });
    this.queuedWrite = write;
    this.lastWrite = write;
    return write;
  }

  /** Stops the timer and writes what is pending; a failure is logged (a restart re-delivers). */
  async close(): Promise<void> {
    await this.flush().catch((error: unknown) => {
      this.options.logger.warn(
        { err: error },
        'could not write the spool cursors at close; a restart re-delivers',
      );
    });
    await this.lastWrite.catch(() => {});
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => {
        // Not fatal: the cursors on disk are older, so a restart re-delivers (at least once).
        this.options.logger.warn({ err: error }, 'could not write the spool cursors; retrying');
        this.schedule();
      });
    }, this.options.persistMs);
    this.timer.unref();
  }
}
