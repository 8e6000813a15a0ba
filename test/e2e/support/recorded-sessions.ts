import type { RecordingEvent } from '@airlock/core';
import type { RecordingStore } from '@airlock/recording';
import { waitFor } from '@airlock/testkit';

/** Waits until the store holds a session of `connection` ended by both gateway and agent; its events. */
export async function endedSession(store: RecordingStore, connection: string): Promise<RecordingEvent[]> {
  return waitFor(`the recorded ${connection} session`, async () => {
    const page = await store.listSessions({ connection, limit: 50 });
    for (const summary of page.sessions) {
      const events = await store.getEvents(summary.id);
      const ends = events.filter((e) => e.kind === 'session_end');
      if (ends.some((e) => e.source === 'gateway') && ends.some((e) => e.source === 'agent')) return events;
    }
    return undefined;
  });
}
