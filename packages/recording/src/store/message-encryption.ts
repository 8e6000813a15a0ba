import { AirlockError, type JsonRpcMessage, type RecordingEvent } from '@airlock/core';
import { cryptoFailure } from '../crypto/crypto-errors.js';
import type { SessionKeyRing } from '../crypto/session-key-ring.js';
import type { EventRow, StoredEventColumns } from './event-row.js';
import { textBytes } from '@airlock/core';

/**
 * The `recording_events.message` column under encryption: base64 of a ciphertext block (see
 * crypto/ciphertext-block.ts) sealed with the session's data key, AAD = event id + session id.
 * A plaintext message is JSON text of an object, so it always starts with `{`, a character base64
 * never contains: rows written before encryption was switched on stay readable.
 */
export function isEncryptedMessage(text: string): boolean {
  return !text.startsWith('{');
}

export async function encryptRows(rows: readonly EventRow[], ring: SessionKeyRing): Promise<EventRow[]> {
  return Promise.all(
    rows.map(async (row) => {
      if (row.message === null) return row;
      const sealed = await ring.seal(row.sessionId, row.id, textBytes(row.message));
      return { ...row, message: sealed.block.toString('base64') };
    }),
  );
}

/** The message text of a stored row, decrypted if needed; failures name the event. */
export async function messageText(
  eventId: string,
  sessionId: string,
  stored: string,
  ring: SessionKeyRing | undefined,
): Promise<string> {
  if (!isEncryptedMessage(stored)) return stored;
  if (!ring) {
    throw cryptoFailure(
      'not_configured',
      `The message of event ${eventId} (session ${sessionId}) is encrypted, but no recording encryption key is configured; set recording.encryption (keyFile or kmsKeyId) to the key that wrote it.`,
      { eventId, sessionId },
    );
  }
  return ring.open(sessionId, eventId, Buffer.from(stored, 'base64'));
}

/** Rebuilds events exactly as recorded (the same canonical text, so their hashes verify). */
export async function readEventColumns(
  rows: readonly StoredEventColumns[],
  ring: SessionKeyRing | undefined,
): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  for (const row of rows) {
    const envelope = JSON.parse(row.envelope) as Omit<RecordingEvent, 'message'>;
    if (row.message === null) {
      events.push(envelope);
      continue;
    }
    const text = await messageText(envelope.id, envelope.sessionId, row.message, ring);
    let message: JsonRpcMessage;
    try {
      message = JSON.parse(text) as JsonRpcMessage;
    } catch (error) {
      throw new AirlockError('internal', `The stored message of event ${envelope.id} is not JSON.`, {
        data: { eventId: envelope.id, sessionId: envelope.sessionId },
        cause: error,
      });
    }
    events.push({ ...envelope, message });
  }
  return events;
}
