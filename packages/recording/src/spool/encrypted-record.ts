import type { RecordingEvent } from '@airlock/core';
import { cryptoFailure } from '../crypto/crypto-errors.js';
import type { SessionKeyRing } from '../crypto/session-key-ring.js';

/**
 * The payload of an encrypted spool record (the frame around it, length + CRC, is unchanged):
 *
 * ```
 * [u8 0xE1]                                   marks an encrypted record (plaintext ones are JSON: `{`)
 * [u16 BE n][n bytes session id, UTF-8]
 * [u16 BE n][n bytes event id, UTF-8]
 * [u16 BE n][n bytes wrapped data key, ASCII]   the session's key, as its KeyWrapper wrote it
 * [ciphertext block of the event's JSON]        see crypto/ciphertext-block.ts; AAD = event + session id
 * ```
 *
 * The wrapped key travels in every record (about 100 bytes with a local key file, 200 with KMS)
 * instead of a sidecar file: each record stays self-contained, so a quarantined, deleted or
 * purged segment can never orphan or lose the key of records elsewhere, and there is no second
 * file whose fsync ordering against the segment would need managing. Unwrapping is cached per
 * session, so replay costs one unwrap (one KMS call) per session, not per record.
 */
const MARKER = 0xe1;

export function isEncryptedPayload(payload: Buffer): boolean {
  return payload[0] === MARKER;
}

/**
 * `json` is the event's JSON (text or UTF-8). Returns the payload as two pieces, the header fields
 * and the ciphertext block, for `encodeBinaryFrame` to write without joining them.
 */
export async function sealSpoolRecord(
  event: RecordingEvent,
  json: string | Buffer,
  ring: SessionKeyRing,
): Promise<[Buffer, Buffer]> {
  const sealed = await ring.seal(event.sessionId, event.id, json);
  const head = Buffer.concat([
    Buffer.from([MARKER]),
    field(Buffer.from(event.sessionId, 'utf8')),
    field(Buffer.from(event.id, 'utf8')),
    field(Buffer.from(sealed.wrapped, 'ascii')),
  ]);
  return [head, sealed.block];
}

/** Throws a crypto failure; `tampered` for anything that fails authentication or parsing. */
export async function openSpoolRecord(
  payload: Buffer,
  ring: SessionKeyRing | undefined,
): Promise<RecordingEvent> {
  let offset = 1;
  const next = (): string => {
    const length = payload.length >= offset + 2 ? payload.readUInt16BE(offset) : Number.POSITIVE_INFINITY;
    if (offset + 2 + length > payload.length) {
      throw cryptoFailure('tampered', 'encrypted spool record is truncated or malformed', {});
    }
    const value = payload.subarray(offset + 2, offset + 2 + length).toString('utf8');
    offset += 2 + length;
    return value;
  };
  const sessionId = next();
  const eventId = next();
  const wrapped = next();
  if (!ring) {
    throw cryptoFailure(
      'not_configured',
      `The spool holds encrypted event ${eventId} (session ${sessionId}) but no recording encryption key is configured; set recording.encryption to the key that wrote it.`,
      { eventId, sessionId },
    );
  }
  const text = await ring.open(sessionId, eventId, payload.subarray(offset), wrapped);
  const event = JSON.parse(text) as RecordingEvent;
  if (event.id !== eventId || event.sessionId !== sessionId) {
    throw cryptoFailure('tampered', `spool record header names event ${eventId} but holds ${event.id}`, {
      eventId,
      sessionId,
    });
  }
  return event;
}

function field(bytes: Buffer): Buffer {
  if (bytes.length > 0xffff) throw new Error('a spool record header field exceeds 65535 bytes');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
