import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import { z } from 'zod';

const enrollmentRecord = z.strictObject({
  id: z.string().min(1),
  /** SHA-256 (hex) of the agent's token. The token itself is never written anywhere. */
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Never empty: an enrolled agent serves only what it is enrolled for. */
  connections: z.array(z.string().min(1)).min(1),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  revokedAt: z.iso.datetime().optional(),
  revokedBy: z.string().optional(),
});

const enrollmentDocument = z.strictObject({
  version: z.literal(1),
  agents: z.array(enrollmentRecord),
});

export type EnrollmentRecord = z.infer<typeof enrollmentRecord>;

/** How often the file is checked for changes made by someone else (another gateway, an operator). */
const WATCH_INTERVAL_MS = 1000;

/**
 * The agents enrolled with `airlock agents create`, kept in one JSON file (mode 0600). Every write
 * re-reads the file first and replaces it atomically (temporary file, fsync, rename), so a crash
 * never leaves half a file and a reader never sees one. The file is polled for outside changes:
 * gateways pointed at the same file (shared storage) pick up each other's enrollments and
 * revocations within about a second. Concurrent writers on different hosts are not locked against
 * each other; the shared store (PostgreSQL) replaces this file when it arrives.
 */
export class EnrollmentFile {
  readonly path: string;
  readonly #logger: Logger;
  #records: readonly EnrollmentRecord[] = [];
  #text = '';
  #writes: Promise<unknown> = Promise.resolve();
  #watching = false;
  #onChange: ((records: readonly EnrollmentRecord[]) => void) | undefined;

  private constructor(path: string, logger: Logger) {
    this.path = resolve(path);
    this.#logger = logger;
  }

  /** Reads the file (absent = nobody enrolled yet). A file that cannot be parsed stops the gateway. */
  static async open(path: string, logger: Logger): Promise<EnrollmentFile> {
    const file = new EnrollmentFile(path, logger);
    const loaded = await file.#read();
    file.#records = loaded.records;
    file.#text = loaded.text;
    return file;
  }

  get records(): readonly EnrollmentRecord[] {
    return this.#records;
  }

  /** Calls `onChange` whenever the file changes under us; our own writes do not count. */
  watch(onChange: (records: readonly EnrollmentRecord[]) => void): void {
    this.#onChange = onChange;
    if (this.#watching) return;
    this.#watching = true;
    watchFile(this.path, { interval: WATCH_INTERVAL_MS, persistent: false }, (current: Stats) => {
      if (current.mtimeMs === 0 && this.#text === '') return;
      this.#writes = this.#writes.then(() => this.#reloadQuietly());
    });
  }

  close(): void {
    if (this.#watching) unwatchFile(this.path);
    this.#watching = false;
  }

  /**
   * Applies `change` to the newest content of the file and writes the result. Serialized: one
   * change at a time in this process. `change` may throw to refuse (nothing is written).
   */
  update<T>(change: (records: EnrollmentRecord[]) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const latest = await this.#read();
      this.#adopt(latest);
      const records = latest.records.map((r) => ({ ...r, connections: [...r.connections] }));
      const result = change(records);
      const text = `${JSON.stringify({ version: 1, agents: records }, null, 2)}\n`;
      await this.#writeAtomically(text);
      this.#records = records;
      this.#text = text;
      return result;
    };
    const next = this.#writes.then(run, run);
    this.#writes = next.catch(() => undefined);
    return next;
  }

  async #reloadQuietly(): Promise<void> {
    try {
      this.#adopt(await this.#read());
    } catch (error) {
      // Keep the last good enrollment rather than dropping every agent over a half-edited file.
      this.#logger.error(
        { file: this.path, reason: (error as Error).message },
        'the enrollment file changed but cannot be read; keeping the enrollment loaded before',
      );
    }
  }

  #adopt(loaded: { records: readonly EnrollmentRecord[]; text: string }): void {
    if (loaded.text === this.#text) return;
    this.#records = loaded.records;
    this.#text = loaded.text;
    this.#logger.info({ file: this.path }, 'enrollment file changed; reloaded');
    this.#onChange?.(loaded.records);
  }

  async #read(): Promise<{ records: readonly EnrollmentRecord[]; text: string }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], text: '' };
      throw new AirlockError(
        'config_invalid',
        `Cannot read the agent enrollment file ${this.path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). Check gateway.enrollment.file / gateway.dataDir and the file's permissions.`,
        { cause },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw this.#corrupt('it is not JSON', cause);
    }
    const parsed = enrollmentDocument.safeParse(json);
    if (!parsed.success) throw this.#corrupt(parsed.error.issues[0]?.message ?? 'unexpected shape');
    const ids = new Set<string>();
    for (const record of parsed.data.agents) {
      if (ids.has(record.id)) throw this.#corrupt(`agent "${record.id}" appears twice`);
      ids.add(record.id);
    }
    return { records: parsed.data.agents, text };
  }

  #corrupt(why: string, cause?: unknown): AirlockError {
    return new AirlockError(
      'config_invalid',
      `The agent enrollment file ${this.path} is damaged (${why}). Restore it from a backup, or remove it and enroll the agents again with "airlock agents create".`,
      { cause },
    );
  }

  async #writeAtomically(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (cause) {
      await rm(temporary, { force: true });
      throw new AirlockError(
        'enrollment_unavailable',
        `The gateway could not write the agent enrollment file ${this.path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); nothing was changed. Check that the folder is writable by the gateway.`,
        { cause },
      );
    }
    // The rename is durable once the folder's entry is on disk.
    const folder = await open(dirname(this.path), 'r').catch(() => undefined);
    await folder
      ?.sync()
      .catch(() => undefined)
      .finally(() => folder.close());
  }
}
