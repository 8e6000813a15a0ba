import { AirlockError, type JsonRpcMessage, type RecordingEvent } from '@airlock/core';
import { messageJson, type MessageText } from '@airlock/core';
import { MESSAGE_PART_CHARS } from './message-parts.js';

/** One `recording_events` row as the store writes it. */
export interface EventRow {
  readonly id: string;
  readonly sessionId: string;
  readonly source: RecordingEvent['source'];
  readonly seq: number;
  /** ISO-8601, validated. */
  readonly at: string;
  readonly kind: RecordingEvent['kind'];
  readonly direction: string | null;
  readonly method: string | null;
  readonly toolName: string | null;
  readonly envelope: string;
  /** JSON.stringify of the message; in pieces when it holds a long string and is stored in parts. */
  readonly message: MessageText | null;
}

/** What `recording_events` returns for reading events back. */
export interface StoredEventColumns {
  readonly envelope: string;
  readonly message: string | null;
}

/** The tool a `tools/call` request names, for the session's tool list and the tool filter. */
export function calledToolName(message: JsonRpcMessage | undefined): string | null {
  if (!message || !('method' in message) || message.method !== 'tools/call') return null;
  const name = message.params?.['name'];
  return typeof name === 'string' && name.length > 0 ? name : null;
}

export function toEventRow(event: RecordingEvent): EventRow {
  const atMs = Date.parse(event.at);
  if (!Number.isFinite(atMs)) {
    throw new AirlockError(
      'invalid_params',
      `Recording event ${event.id} (session ${event.sessionId}) has an unreadable time "${event.at}"; the store needs ISO-8601. This is a recorder bug: quarantine the event.`,
      { data: { eventId: event.id, sessionId: event.sessionId } },
    );
  }
  if (!Number.isSafeInteger(event.seq) || event.seq < 1 || event.seq > 2_147_483_647) {
    throw new AirlockError(
      'invalid_params',
      `Recording event ${event.id} (session ${event.sessionId}) has seq ${event.seq}; seq must be a whole number from 1 to 2147483647.`,
      { data: { eventId: event.id, sessionId: event.sessionId } },
    );
  }
  const { message, ...envelope } = event;
  return {
    id: event.id,
    sessionId: event.sessionId,
    source: event.source,
    seq: event.seq,
    at: new Date(atMs).toISOString(),
    kind: event.kind,
    direction: event.direction ?? null,
    method: message && 'method' in message ? message.method : null,
    toolName: calledToolName(message),
    envelope: JSON.stringify(envelope),
    message: message === undefined ? null : messageJson(message, MESSAGE_PART_CHARS),
  };
}

/** Rebuilds the event exactly as recorded (same canonical text, so its hash still verifies). */
export function fromEventColumns(row: StoredEventColumns): RecordingEvent {
  const envelope = JSON.parse(row.envelope) as Omit<RecordingEvent, 'message'>;
  if (row.message === null) return envelope;
  return { ...envelope, message: JSON.parse(row.message) as JsonRpcMessage };
}
