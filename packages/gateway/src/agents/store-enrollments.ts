import { AirlockError } from '@airlock/core';
import type { AgentEnrollmentStore } from '@airlock/recording';
import type { Logger } from 'pino';
import type { EnrollmentRecord } from './enrollment-file.js';
import type { EnrollmentSource } from './enrollment-source.js';

/** How often the shared store is re-read: a revocation on another gateway cuts the agent off within about this long. */
export const ENROLLMENT_POLL_MS = 1000;

function copy(records: readonly EnrollmentRecord[]): EnrollmentRecord[] {
  return records.map((r) => ({ ...r, connections: [...r.connections] }));
}

/**
 * The enrollments in the shared PostgreSQL store, re-read every second, so every gateway on the
 * store admits the same agents and a revocation made on one gateway cuts the agent off on all.
 */
export class StoreEnrollments implements EnrollmentSource {
  readonly path = undefined;
  readonly #store: AgentEnrollmentStore;
  readonly #logger: Logger;
  #records: readonly EnrollmentRecord[] = [];
  #text = '[]';
  #timer: NodeJS.Timeout | undefined;
  #onChange: ((records: readonly EnrollmentRecord[]) => void) | undefined;

  private constructor(store: AgentEnrollmentStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Reads the store's enrollments. Agents in `imported` (a gateway's enrollment file from before it
   * used the shared store) that the store does not know yet are added once, so none is lost.
   */
  static async open(
    store: AgentEnrollmentStore,
    imported: readonly EnrollmentRecord[],
    logger: Logger,
  ): Promise<StoreEnrollments> {
    const source = new StoreEnrollments(store, logger);
    try {
      const added = await source.update((records) => {
        const known = new Set(records.map((r) => r.id));
        const missing = imported.filter((r) => !known.has(r.id));
        records.push(...copy(missing));
        return missing.map((r) => r.id);
      });
      if (added.length > 0) {
        logger.info({ agents: added }, 'enrolled agents from the enrollment file copied to the shared store');
      }
    } catch (cause) {
      throw new AirlockError(
        'enrollment_unavailable',
        `The gateway could not read the agent enrollments from the shared store (${(cause as Error).message}). Check recording.store and that the database is reachable.`,
        { cause },
      );
    }
    return source;
  }

  get records(): readonly EnrollmentRecord[] {
    return this.#records;
  }

  watch(onChange: (records: readonly EnrollmentRecord[]) => void): void {
    this.#onChange = onChange;
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#reload(), ENROLLMENT_POLL_MS);
    this.#timer.unref();
  }

  async update<T>(change: (records: EnrollmentRecord[]) => T): Promise<T> {
    let after: EnrollmentRecord[] = [];
    const result = await this.#store.updateEnrollments((stored) => {
      const records = stored as EnrollmentRecord[];
      const value = change(records);
      after = copy(records).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return value;
    });
    this.#records = after;
    this.#text = JSON.stringify(after);
    return result;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #reload(): Promise<void> {
    try {
      const records = await this.#store.listEnrollments();
      const text = JSON.stringify(records);
      if (text === this.#text) return;
      this.#records = records;
      this.#text = text;
      this.#onChange?.(records);
    } catch (error) {
      // Keep the enrollments loaded before: dropping every agent over a database blip would be worse.
      this.#logger.warn(
        { reason: (error as Error).message },
        'could not re-read the agent enrollments from the shared store; keeping the ones loaded before',
      );
    }
  }
}
