import type { RecordingEvent } from '@airlock/core';
import { canonicalText } from './canonical-text.js';

/**
 * Which gateway event and which agent event record the same step, and where the two differ.
 * A step is one JSON-RPC message: the same direction, the same id, and for a request the same
 * method. Ids repeat (2026-era requests each start at 1, clients reuse them), so each record is
 * matched in its own order, each event at most once, the way verification matches them.
 */
export interface RecordPairs {
  /** Event id → the other record's event of the same step. */
  readonly counterpart: ReadonlyMap<string, RecordingEvent>;
  /** Ids of the events (both sides) whose step the two records tell differently. */
  readonly differing: ReadonlySet<string>;
}

function stepKey(event: RecordingEvent): string | undefined {
  const message = event.message as Record<string, unknown> | undefined;
  if (event.kind !== 'message' || message === undefined || !('id' in message)) return undefined;
  const method = typeof message['method'] === 'string' ? message['method'] : '';
  return `${event.direction ?? ''}|${JSON.stringify(message['id'])}|${method}`;
}

// One chain per source is in seq order; several gateway chains (a modern-era group served by
// several gateways) interleave by time, each still in its seq order.
const bySeq = (a: RecordingEvent, b: RecordingEvent) =>
  a.chain === b.chain ? a.seq - b.seq : a.at.localeCompare(b.at) || a.seq - b.seq;

export function pairRecords(events: readonly RecordingEvent[]): RecordPairs {
  const waiting = new Map<string, RecordingEvent[]>();
  for (const event of events.filter((e) => e.source === 'agent').sort(bySeq)) {
    const key = stepKey(event);
    if (key === undefined) continue;
    const queue = waiting.get(key);
    if (queue) queue.push(event);
    else waiting.set(key, [event]);
  }
  const counterpart = new Map<string, RecordingEvent>();
  const differing = new Set<string>();
  for (const gateway of events.filter((e) => e.source === 'gateway').sort(bySeq)) {
    const key = stepKey(gateway);
    const agent = key === undefined ? undefined : waiting.get(key)?.shift();
    if (agent === undefined) continue;
    counterpart.set(gateway.id, agent);
    counterpart.set(agent.id, gateway);
    if (canonicalText(gateway.message) !== canonicalText(agent.message)) {
      differing.add(gateway.id);
      differing.add(agent.id);
    }
  }
  return { counterpart, differing };
}
