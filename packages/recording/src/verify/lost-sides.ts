import type { RecordingSource } from '@airlock/core';

/** The end reasons each side recorded for the session (`session_end.end.reason`), in record order. */
export type RecordedEnds = Readonly<Record<RecordingSource, readonly string[]>>;

/** The end reason with which the survivor says the other side went away mid-session. */
const LOSS_REASON: Readonly<Record<RecordingSource, string>> = {
  agent: 'agent_lost', // recorded by the gateway
  gateway: 'gateway_lost', // recorded by the agent
};

/**
 * The sides lost mid-session, as both records tell it: the survivor ended the session saying the
 * other side went away (`agent_lost` from the gateway, `gateway_lost` from the agent) AND the lost
 * side's own record just stops, with no end of its own (a process killed writes none). A side
 * that recorded its own end was there to close the session, so it was not lost; and a session
 * whose records both simply stop names no side: nothing then excuses a call one side is missing.
 */
export function lostSides(ends: RecordedEnds): ReadonlySet<RecordingSource> {
  const lost = new Set<RecordingSource>();
  for (const side of ['agent', 'gateway'] as const) {
    const survivor = side === 'agent' ? 'gateway' : 'agent';
    if (ends[survivor].includes(LOSS_REASON[side]) && ends[side].length === 0) lost.add(side);
  }
  return lost;
}
