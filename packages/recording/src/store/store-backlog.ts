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
  async insert(
    store: RecordingStore,
    events: readonly RecordingEvent[],
  ): Promise<{ readonly inserted: number }> {
    this.#events += events.length;
    try {
      return await store.insertEvents(events);
    } finally {
      this.#events -= events.length;
    }
  }

  /** Stores spooled events as their JSON (store.insertSpooledEvents), counting them as waiting. */
  async insertSpooledEvents(
    store: RecordingStore,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    this.#events += payloads.length;
    try {
      return await store.insertSpooledEvents(payloads);
    } finally {
      this.#events -= payloads.length;
    }
  }

  /** Stores a batch an agent sent (store.insertAgentEvents), counting its events as waiting. */
  async insertAgentEvents(
    store: RecordingStore,
    agentId: string,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    this.#events += payloads.length;
    try {
      return await store.insertAgentEvents(agentId, payloads);
    } finally {
      this.#events -= payloads.length;
    }
  }
}
