import {
  canonicalEventText,
  canonicalJsonPieces,
  holdsLongString,
  type CanonicalPiece,
  META_CLIENT_INFO,
  type Caller,
  type JsonRpcMessage,
  type RecordedIdentity,
  type RecordingEvent,
} from '@airlock/core';
import { sha256Hex } from './sha256-hex.js';

/** A sealed event and its JSON, which the spool writes as is. */
export interface SealedEvent {
  readonly event: RecordingEvent;
  /**
   * UTF-8 JSON of `event`: the canonical text the hash covers, with `"hash"` added as the last key.
   */
  readonly json: Buffer;
}

/** `,"hash":"` + 64 hex digits + `"}`: what replaces the canonical text's closing brace. */
const HASH_SUFFIX_BYTES = 75;

/**
 * Adds the hash that seals an event's content into its chain. Takes ownership of `fields` (the
 * hash is added to that object, not to a copy) and serialises and encodes the event once: the
 * canonical text is written as UTF-8 into the buffer that becomes the spool record, hashed there,
 * and its closing brace replaced by the hash field.
 */
export function sealEvent(fields: Omit<RecordingEvent, 'hash'>): SealedEvent {
  const pieces =
    fields.message !== undefined && holdsLongString(fields.message, LONG_STRING_CHARS)
      ? canonicalJsonPieces(fields, LONG_STRING_CHARS)
      : undefined;
  const json = pieces ? encodePieces(pieces) : encodeText(canonicalEventText(fields));
  const length = json.length - HASH_SUFFIX_BYTES + 1;
  const hash = sha256Hex(json.subarray(0, length));
  json.write(`${length > 2 ? ',' : ''}"hash":"${hash}"}`, length - 1, 'latin1');
  const event = Object.assign(fields, { hash });
  return { event, json: length > 2 ? json : json.subarray(0, json.length - 1) };
}

/**
 * A message holding a string this long (UTF-16 code units) is encoded piece by piece: encoding its
 * whole canonical text would first flatten it into one more copy of the message (100 MiB more,
 * and about 60 ms, for a 100 MiB tool result).
 */
const LONG_STRING_CHARS = 1024 * 1024;

/** The canonical text's UTF-8 bytes in a buffer with room for the hash field. */
function encodeText(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const json = Buffer.allocUnsafe(length - 1 + HASH_SUFFIX_BYTES);
  json.write(text, 0, 'utf8');
  return json;
}

/** The same from pieces: a plain piece is one byte per character, copied as Latin-1. */
function encodePieces(pieces: readonly CanonicalPiece[]): Buffer {
  let length = 0;
  for (const piece of pieces)
    length += piece.plain ? piece.text.length : Buffer.byteLength(piece.text, 'utf8');
  const json = Buffer.allocUnsafe(length - 1 + HASH_SUFFIX_BYTES);
  let offset = 0;
  for (const piece of pieces) offset += json.write(piece.text, offset, piece.plain ? 'latin1' : 'utf8');
  return json;
}

/**
 * The identity recorded for a caller: named fields copied one by one, so whatever else the
 * caller object carries at run time (a token a careless adapter attached) never reaches the record.
 */
export function recordedIdentity(caller: Caller): RecordedIdentity {
  return {
    subject: caller.subject,
    groups: [...caller.groups],
    ...(caller.email === undefined ? {} : { email: caller.email }),
    ...(caller.tokenId === undefined ? {} : { tokenId: caller.tokenId }),
  };
}

/**
 * The client's self-description for `session_start`: `initialize`'s `clientInfo` (legacy era) or
 * the per-request `_meta` entry of the 2026-07-28 era.
 */
export function clientInfoOf(message: JsonRpcMessage): Record<string, unknown> | undefined {
  if (!('method' in message) || !message.params) return undefined;
  const params = message.params;
  if (message.method === 'initialize' && isObject(params.clientInfo)) return params.clientInfo;
  const meta = params._meta;
  if (isObject(meta) && isObject(meta[META_CLIENT_INFO])) return meta[META_CLIENT_INFO];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
