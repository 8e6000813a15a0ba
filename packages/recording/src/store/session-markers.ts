import type { RecordingEvent } from '@airlock/core';

/** The key a 2026-era request carries its client's name under, in `params._meta`. */
const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';

/**
 * What a session row counts for the sessions table's markers. Denials and holds come from the
 * gateway's record (the gateway decides them). Masking findings are counted per source: the agent
 * masks and records them, the gateway may record the same findings on what it passed on, so the
 * session shows the larger of the two sums rather than both added (each value counted once).
 */
export interface SessionMarkers {
  /** Values masked (sum of the findings' counts) in this source's record. */
  readonly maskedCount: number;
  /** Messages the gateway refused (access rule, guardrail, pinning). */
  readonly deniedCount: number;
  /** Calls held for approval. */
  readonly heldCount: number;
}

function nameOf(info: unknown): string | null {
  if (typeof info !== 'object' || info === null) return null;
  const name = (info as Record<string, unknown>)['name'];
  return typeof name === 'string' && name.length > 0 ? name.slice(0, 200) : null;
}

/**
 * The client's name as it introduced itself: `initialize`'s `clientInfo` (2025 era), the
 * per-request `_meta` clientInfo (2026 era), or the session start's. Null when the event has none.
 */
export function clientNameOf(event: RecordingEvent): string | null {
  const fromStart = nameOf(event.start?.clientInfo);
  if (fromStart) return fromStart;
  const message = event.message;
  if (!message || !('method' in message) || event.direction === 'server_to_client') return null;
  const params = message.params;
  if (message.method === 'initialize') {
    const fromInitialize = nameOf(params?.['clientInfo']);
    if (fromInitialize) return fromInitialize;
  }
  const meta = params?.['_meta'];
  return typeof meta === 'object' && meta !== null
    ? nameOf((meta as Record<string, unknown>)[META_CLIENT_INFO])
    : null;
}

/** The markers one event adds to its session's counts for its source. */
export function markersOf(event: RecordingEvent): SessionMarkers {
  let maskedCount = 0;
  for (const finding of event.masking ?? []) maskedCount += finding.count;
  const action = event.source === 'gateway' ? event.decision?.action : undefined;
  return {
    maskedCount,
    deniedCount: action === 'deny' ? 1 : 0,
    heldCount: action === 'hold' ? 1 : 0,
  };
}
