import type { RecordingEvent, RecordingSource } from '@airlock/core';
import type { SessionStatus } from './recording-store.js';
import { calledToolName } from './event-row.js';
import { clientNameOf, markersOf } from './session-markers.js';
import { statusForEndReason } from './session-status.js';

export interface SessionEnd {
  readonly at: string;
  readonly reason: string;
  readonly code: string | null;
  readonly source: RecordingSource;
  readonly status: Exclude<SessionStatus, 'open'>;
}

/**
 * What one batch of newly stored events adds to a session row. Merging a delta into the row is
 * commutative (min, max, sums, set union, gateway end over agent end), so batches may arrive in
 * any order, from any gateway, and the row ends the same.
 */
export interface SessionDelta {
  readonly id: string;
  readonly subject: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  readonly connection: string;
  readonly era: string;
  readonly protocolVersion: string;
  readonly gatewayId: string | null;
  readonly agentId: string | null;
  readonly startedAt: string;
  readonly lastEventAt: string;
  readonly end: SessionEnd | null;
  readonly tools: readonly string[];
  readonly eventCount: number;
  readonly gatewayMessageCount: number;
  readonly agentMessageCount: number;
  readonly warningCount: number;
  /** The first client name in the batch (the gateway's record first); the row keeps its first. */
  readonly clientName: string | null;
  readonly gatewayMaskedCount: number;
  readonly agentMaskedCount: number;
  readonly deniedCount: number;
  readonly heldCount: number;
}

/** The gateway saw the client, so its account of how a session ended wins over the agent's. */
function preferredEnd(current: SessionEnd | null, candidate: SessionEnd): SessionEnd {
  if (!current) return candidate;
  if (current.source === 'agent' && candidate.source === 'gateway') return candidate;
  return current;
}

function isoOf(event: RecordingEvent): string {
  return new Date(Date.parse(event.at)).toISOString();
}

/** Deltas for the sessions touched by `events` (already deduplicated), sorted by session id. */
export function sessionDeltas(events: readonly RecordingEvent[]): SessionDelta[] {
  const bySession = new Map<string, RecordingEvent[]>();
  for (const event of events) {
    const list = bySession.get(event.sessionId);
    if (list) list.push(event);
    else bySession.set(event.sessionId, [event]);
  }
  const deltas: SessionDelta[] = [];
  for (const [id, list] of bySession) {
    // Each time parsed once, not twice per comparison (a batch holds dozens of events per session).
    const ordered = list
      .map((event) => ({ event, at: Date.parse(event.at) }))
      .sort((a, b) => a.at - b.at)
      .map((timed) => timed.event);
    // Identity and connection come from the session start when the batch has it.
    const first = ordered.find((e) => e.kind === 'session_start') ?? ordered[0]!;
    const tools = new Set<string>();
    let end: SessionEnd | null = null;
    let gatewayMessageCount = 0;
    let agentMessageCount = 0;
    let warningCount = 0;
    let gatewayMaskedCount = 0;
    let agentMaskedCount = 0;
    let deniedCount = 0;
    let heldCount = 0;
    let clientName: string | null = null;
    let agentClientName: string | null = null;
    for (const event of ordered) {
      const markers = markersOf(event);
      if (event.source === 'gateway') gatewayMaskedCount += markers.maskedCount;
      else agentMaskedCount += markers.maskedCount;
      deniedCount += markers.deniedCount;
      heldCount += markers.heldCount;
      if (event.source === 'gateway') clientName ??= clientNameOf(event);
      else agentClientName ??= clientNameOf(event);
      const tool = calledToolName(event.message);
      if (tool) tools.add(tool);
      if (event.kind === 'message') {
        if (event.source === 'gateway') gatewayMessageCount += 1;
        else agentMessageCount += 1;
      }
      if (event.kind === 'warning') warningCount += 1;
      if (event.kind === 'session_end') {
        const reason = event.end?.reason ?? 'unknown';
        end = preferredEnd(end, {
          at: isoOf(event),
          reason,
          code: event.end?.code ?? null,
          source: event.source,
          status: statusForEndReason(reason),
        });
      }
    }
    deltas.push({
      id,
      subject: first.identity.subject,
      email: first.identity.email ?? null,
      groups: first.identity.groups,
      connection: first.connection,
      era: first.era,
      protocolVersion: first.protocolVersion,
      gatewayId: ordered.find((e) => e.gatewayId)?.gatewayId ?? null,
      agentId: ordered.find((e) => e.agentId)?.agentId ?? null,
      startedAt: isoOf(ordered[0]!),
      lastEventAt: isoOf(ordered[ordered.length - 1]!),
      end,
      tools: [...tools].sort(),
      eventCount: ordered.length,
      gatewayMessageCount,
      agentMessageCount,
      warningCount,
      clientName: clientName ?? agentClientName,
      gatewayMaskedCount,
      agentMaskedCount,
      deniedCount,
      heldCount,
    });
  }
  return deltas.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
