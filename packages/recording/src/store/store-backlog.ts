import type { RecordingEvent } from '@airlock/core';
import type { RecordingStore } from './recording-store.js';

/**
 * The events handed to the store and not yet stored: a gateway's own delivery batch and the
 * batches agents sent over their tunnels, in flight or queued for the store's thread. What
 * `airlock_recording_store_backlog_events` shows; events still waiting in the spool show as
 * `airlock_spool_backlog_bytes{sink="store"}`.
 */
export class StoreBacklog {
  #events = 0;

  get events(): number {
    return this.#events;
  }

  /** Stores `events`, counting them as waiting until the store answers (stored or failed). */
  insert(store: RecordingStore, events: readonly RecordingEvent[]): Promise<{ readonly inserted: number }> {
    return this.#counting(events.length, () => store.insertEvents(events));
  }

  /** Stores spooled events as their JSON (store.insertSpooledEvents), counting them as waiting. */
  insertSpooledEvents(
    store: RecordingStore,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    return this.#counting(payloads.length, () => store.insertSpooledEvents(payloads));
  }

  /** Stores a batch an agent sent (store.insertAgentEvents), counting its events as waiting. */
  insertAgentEvents(
    store: RecordingStore,
    agentId: string,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    return this.#counting(payloads.length, () => store.insertAgentEvents(agentId, payloads));
  }

  /** Counts `events` as waiting while `insert` runs, however it ends. */
  async #counting<T>(events: number, insert: () => Promise<T>): Promise<T> {
    this.#events += events;
    try {
      return await insert();
    } finally {
      this.#events -= events;
    }
  }
}
