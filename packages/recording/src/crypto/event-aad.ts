/**
 * The additional authenticated data of an event's ciphertext: a domain label, then the event id
 * and the session id, each length-prefixed so no two (event, session) pairs share an encoding.
 * Binding both means a ciphertext copied onto another event, or into another session, fails its
 * GCM tag check instead of being read as that event's message.
 */
export function eventAad(eventId: string, sessionId: string): Buffer {
  const label = Buffer.from('airlock-recording-event-v1\0', 'utf8');
  const event = Buffer.from(eventId, 'utf8');
  const session = Buffer.from(sessionId, 'utf8');
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(event.length, 0);
  lengths.writeUInt32BE(session.length, 4);
  return Buffer.concat([label, lengths.subarray(0, 4), event, lengths.subarray(4), session]);
}
