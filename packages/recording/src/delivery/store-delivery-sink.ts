import type { RecordingEvent } from '@airlock/core';
import type { RecordingStore } from '../store/recording-store.js';
import type { StoreBacklog } from '../store/store-backlog.js';
import { PARSE_WHEN_READ_BYTES } from '../spool/spool.js';
import type { DeliverySink } from './delivery-sink.js';

/**
 * Delivers to the store; `insertEvents` is idempotent by event id, so a re-delivery is harmless.
 * A large record read back from the spool's files (which the spool leaves unparsed) goes to the
 * store as its JSON, parsed in the store's thread: it is never parsed, nor copied to that thread
 * as an object, on the relay's. The others go as the events they are (already parsed).
 */
export function storeDeliverySink(
  store: RecordingStore,
  name = 'store',
  backlog?: StoreBacklog,
): DeliverySink {
  const insertEvents = (events: readonly RecordingEvent[]) =>
    backlog ? backlog.insert(store, events) : store.insertEvents(events);
  const insertJson = (payloads: readonly Buffer[]) =>
    backlog ? backlog.insertSpooledEvents(store, payloads) : store.insertSpooledEvents(payloads);
  return {
    name,
    deliver: async (records) => {
      const events: RecordingEvent[] = [];
      const payloads: Buffer[] = [];
      for (const record of records) {
        if (record.json !== undefined && record.json.length >= PARSE_WHEN_READ_BYTES)
          payloads.push(record.json);
        else events.push(record.event);
      }
      if (payloads.length > 0) await insertJson(payloads);
      if (events.length > 0) await insertEvents(events);
    },
  };
}
