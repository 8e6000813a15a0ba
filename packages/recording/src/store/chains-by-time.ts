import type { RecordingEvent } from '@airlock/core';

/** Events held back at most while waiting for a slower chain; past it, order falls back to seq. */
const DEFAULT_MAX_HELD = 10_000;

/**
 * One source's record with its chains interleaved by time. A session that several gateways
 * recorded (a modern-era group served across a cluster) has one gateway chain per gateway, and
 * the store pages a source by (seq, id), which interleaves those chains by seq, not by time. This
 * puts them back in the order they happened: each chain keeps its own seq order, and of the
 * chains' next events the earliest goes first (ties: the chain that comes first by name).
 *
 * It reads a page at a time. Since the store's order is by seq, a chain whose last event is two
 * seqs behind the one just read has ended, so an event is held only while a chain still running
 * has nothing read yet to compare it with: at most a page of each chain for chains that kept
 * pace, more for a chain far ahead of another in time (capped at `maxHeld`, then seq order wins).
 * A record with one chain passes through unchanged, page by page.
 */
export async function* chainsByTime(
  pages: AsyncIterable<readonly RecordingEvent[]>,
  maxHeld = DEFAULT_MAX_HELD,
): AsyncGenerator<readonly RecordingEvent[], void, undefined> {
  const queues = new Map<string, { events: RecordingEvent[]; next: number; lastSeq: number }>();
  let currentSeq = 0;
  let held = 0;
  const release = (final: boolean): RecordingEvent[] => {
    const out: RecordingEvent[] = [];
    for (;;) {
      let earliest: { name: string; event: RecordingEvent } | undefined;
      let waiting = false;
      for (const [name, queue] of queues) {
        const event = queue.events[queue.next];
        if (event === undefined) {
          // Still running: its next event may come before anything held.
          if (!final && queue.lastSeq >= currentSeq - 1) waiting = true;
          continue;
        }
        if (
          earliest === undefined ||
          Date.parse(event.at) < Date.parse(earliest.event.at) ||
          (event.at === earliest.event.at && name < earliest.name)
        )
          earliest = { name, event };
      }
      if (earliest === undefined || (waiting && held <= maxHeld)) return out;
      const queue = queues.get(earliest.name)!;
      queue.next += 1;
      if (queue.next === queue.events.length) {
        queue.events = [];
        queue.next = 0;
      }
      held -= 1;
      out.push(earliest.event);
    }
  };
  for await (const page of pages) {
    const out: RecordingEvent[] = [];
    for (const event of page) {
      currentSeq = Math.max(currentSeq, event.seq);
      const name = event.chain ?? '';
      let queue = queues.get(name);
      if (queue === undefined) {
        queue = { events: [], next: 0, lastSeq: 0 };
        queues.set(name, queue);
      }
      queue.events.push(event);
      queue.lastSeq = event.seq;
      held += 1;
      out.push(...release(false));
    }
    if (out.length > 0) yield out;
  }
  const rest = release(true);
  if (rest.length > 0) yield rest;
}
