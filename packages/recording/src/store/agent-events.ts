import {
  AirlockError,
  MAX_JSON_DEPTH,
  parseUntrustedJson,
  READABLE_SCHEMA_VERSIONS,
  type RecordingEvent,
} from '@airlock/core';

/**
 * Parses a batch of recording events given as JSON bytes (a spool's records, or what an agent sent
 * over its tunnel) and checks that each is a recording event. Throws `invalid_request` naming the
 * first event refused; a batch with one refused event stores none.
 */
export function parseSpooledEvents(payloads: readonly Uint8Array[]): RecordingEvent[] {
  return payloads.map((payload, index) => {
    let event: unknown;
    try {
      // Bounded like every message: the event wraps one, a few levels up.
      const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
      event = parseUntrustedJson(text, { maxDepth: MAX_JSON_DEPTH + 4 });
    } catch (cause) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${index} of the batch was refused: ${(cause as Error).message}`,
        { cause },
      );
    }
    const e = event as Partial<RecordingEvent> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      !READABLE_SCHEMA_VERSIONS.includes(e.schema as number) ||
      typeof e.id !== 'string' ||
      typeof e.sessionId !== 'string' ||
      !Number.isSafeInteger(e.seq) ||
      typeof e.hash !== 'string'
    ) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${index} of the batch is not a recording event (schema 1 or 2).`,
      );
    }
    return e as RecordingEvent;
  });
}

/**
 * Parses a batch an agent sent over its tunnel (parseSpooledEvents) and checks that every event is
 * the calling agent's own: an agent may only speak for itself, never insert events as the gateway
 * or as another agent.
 */
export function parseAgentEvents(agentId: string, payloads: readonly Uint8Array[]): RecordingEvent[] {
  const events = parseSpooledEvents(payloads);
  for (const e of events) {
    if (e.source !== 'agent' || e.agentId !== agentId) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${e.id} claims source "${String(e.source)}" and agent "${String(e.agentId)}"; agent "${agentId}" may only send its own events.`,
      );
    }
  }
  return events;
}
