import type { RecordingStore } from '../store/recording-store.js';
import type { StoreBacklog } from '../store/store-backlog.js';
import type { DeliverySink } from './delivery-sink.js';

/** Delivers to the store; `insertEvents` is idempotent by event id, so a re-delivery is harmless. */
export function storeDeliverySink(
  store: RecordingStore,
  name = 'store',
  backlog?: StoreBacklog,
): DeliverySink {
  return {
    name,
    deliver: async (events) => {
      await (backlog ? backlog.insert(store, events) : store.insertEvents(events));
    },
  };
}
