import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * An in-memory `EventStore` for one session, enabling `Last-Event-ID` resumption. Event ids are
 * `<streamId>:<seq>` with a per-store counter, so ordering is by `seq`, never by string compare.
 * Bounded: the oldest events are dropped past `maxEvents`.
 */
export function createMemoryEventStore(maxEvents = 10_000): EventStore {
  const events: { id: string; seq: number; streamId: string; message: JSONRPCMessage }[] = [];
  let seq = 0;
  const parse = (eventId: string): { streamId: string; seq: number } | undefined => {
    const at = eventId.lastIndexOf(':');
    const n = Number(eventId.slice(at + 1));
    return at > 0 && Number.isInteger(n) ? { streamId: eventId.slice(0, at), seq: n } : undefined;
  };

  return {
    storeEvent(streamId, message) {
      seq += 1;
      const id = `${streamId}:${seq}`;
      events.push({ id, seq, streamId, message });
      if (events.length > maxEvents) events.shift();
      return Promise.resolve(id);
    },
    async getStreamIdForEventId(eventId) {
      return parse(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = parse(lastEventId);
      if (!last) throw new Error(`unknown event id ${lastEventId}`);
      for (const event of events) {
        if (event.streamId === last.streamId && event.seq > last.seq) await send(event.id, event.message);
      }
      return last.streamId;
    },
  };
}
