import { holdsLongString } from '../recording/canonical-pieces.js';
import { quotedPieces } from '../recording/json-quote.js';

/**
 * A message's JSON text in pieces that join to exactly `JSON.stringify(message)`, each long string
 * value a piece of its own: the string itself, not a copy, when JSON writes it as it is (printable
 * ASCII, the common case), found by one scan that is 3 to 5 times quicker than V8's escaping. For a message holding a long string (a large tool result), V8's
 * `JSON.stringify(message)` keeps about twice the text's size alive (measured on Node 20 and 22:
 * +200 MB for a 100 MiB result, and Node 20 copies it once more, flat, on the first `slice`),
 * while `JSON.stringify(longString)` alone is one flat copy. The store cuts the pieces into its
 * parts (message-parts.ts) without ever building the whole text.
 *
 * Pieces split between JSON tokens, or inside a string after an ASCII character, so no surrogate
 * pair spans two pieces: a piece's UTF-8 bytes are the whole text's bytes at that place.
 */
export interface JsonPieces {
  readonly pieces: readonly string[];
  /** UTF-16 code units of the whole text. */
  readonly length: number;
}

/** A stored message's JSON text: one string, or pieces. */
export type MessageText = string | JsonPieces;

/** String values this long (UTF-16 code units) make a message's text pieces. */
const LONG_STRING_CHARS = 256 * 1024;

/**
 * The JSON text of `value` (a message), as `JSON.stringify` writes it: in pieces when it holds a
 * string of `longChars` or more and the whole text is longer than `wholeChars`, else one string.
 */
export function messageJson(value: unknown, wholeChars: number, longChars = LONG_STRING_CHARS): MessageText {
  if (!holdsLongString(value, longChars)) return JSON.stringify(value);
  const writer = new PieceWriter(longChars);
  writer.value(resolve(value, ''));
  const pieces = writer.finish();
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  return length > wholeChars ? { pieces, length } : pieces.join('');
}

/** What JSON.stringify writes for a value: toJSON's result, boxed primitives unboxed. */
function resolve(input: unknown, key: string): unknown {
  let value = input;
  if (typeof value === 'object' && value !== null) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as (key: string) => unknown).call(value, key);
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return value.valueOf();
  return value;
}

/** undefined, functions and symbols: left out of objects, null in arrays. */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Writes JSON as JSON.stringify does (no replacer, no indentation), long strings apart. */
class PieceWriter {
  readonly #pieces: string[] = [];
  #text = '';

  constructor(private readonly longChars: number) {}

  /** Writes a resolved value that is not skipped. */
  value(value: unknown): void {
    if (typeof value === 'string') {
      this.#string(value);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      this.#text += JSON.stringify(value) as string;
      return;
    }
    if (Array.isArray(value)) {
      this.#text += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.#text += ',';
        const item = resolve(value[i], String(i));
        if (isSkipped(item)) this.#text += 'null';
        else this.value(item);
      }
      this.#text += ']';
      return;
    }
    this.#text += '{';
    let first = true;
    for (const name of Object.keys(value)) {
      const item = resolve((value as Record<string, unknown>)[name], name);
      if (isSkipped(item)) continue;
      if (!first) this.#text += ',';
      first = false;
      this.#string(name);
      this.#text += ':';
      this.value(item);
    }
    this.#text += '}';
  }

  #string(value: string): void {
    if (value.length < this.longChars) {
      this.#text += JSON.stringify(value);
      return;
    }
    // The string's plain start (most often all of it) is a piece of its own, the string itself or
    // a slice of it, not a copy; what follows it is escaped as JSON.stringify escapes it.
    this.#pieces.push(`${this.#text}"`);
    this.#text = quotedPieces(value, (text) => this.#pieces.push(text));
  }

  finish(): string[] {
    if (this.#text.length > 0) this.#pieces.push(this.#text);
    this.#text = '';
    return this.#pieces;
  }
}

/**
 * The text's UTF-8 bytes: pieces are written into one buffer, with no copy of their own (a 100 MiB
 * tool result is one buffer of its size, where `Buffer.from(JSON.stringify(message))` holds the
 * text twice over and then the bytes).
 */
export function textBytes(text: MessageText): Buffer {
  if (typeof text === 'string') return Buffer.from(text, 'utf8');
  let size = 0;
  for (const piece of text.pieces) size += Buffer.byteLength(piece, 'utf8');
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const piece of text.pieces) offset += bytes.write(piece, offset, 'utf8');
  return bytes;
}

/** A message's JSON (as `JSON.stringify` writes it) as UTF-8, never built as one string when large. */
export function messageBytes(message: unknown): Buffer {
  return textBytes(messageJson(message, 0));
}
