import { canonicalJson } from './canonical-json.js';
import { quotedPieces } from './json-quote.js';

/** One piece of a canonical text. `plain`: printable ASCII, so one UTF-8 byte per character. */
export interface CanonicalPiece {
  readonly text: string;
  readonly plain: boolean;
}

/**
 * `canonicalJson(value)` in pieces that join to exactly its text, each string value of `longChars`
 * or more a piece of its own (its plain start the string itself, not a copy); undefined when the
 * value holds no such string, for which `canonicalJson` is the quicker way. Encoding the joined
 * text of a large message would first flatten it into one more copy of the message (V8 joins
 * strings lazily, and turning the join into bytes copies it whole); the pieces are encoded one by
 * one, and a plain piece by copying its characters.
 */
export function canonicalJsonPieces(value: unknown, longChars: number): CanonicalPiece[] | undefined {
  if (!holdsLongString(value, longChars)) return undefined;
  const writer = new PieceWriter(longChars);
  writer.value(value);
  return writer.finish();
}

/** Whether any string value (or key) in `value` is `longChars` long or longer. */
export function holdsLongString(value: unknown, longChars: number): boolean {
  if (typeof value === 'string') return value.length >= longChars;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsLongString(item, longChars)) return true;
    return false;
  }
  for (const key of Object.keys(value)) {
    if (key.length >= longChars || holdsLongString((value as Record<string, unknown>)[key], longChars))
      return true;
  }
  return false;
}

/** Writes what canonicalJson writes, long strings apart; subtrees without one through canonicalJson. */
class PieceWriter {
  readonly #pieces: CanonicalPiece[] = [];
  #text = '';

  constructor(private readonly longChars: number) {}

  value(value: unknown): void {
    if (typeof value === 'string' && value.length >= this.longChars) {
      this.#long(value);
      return;
    }
    if (typeof value !== 'object' || value === null || !holdsLongString(value, this.longChars)) {
      this.#text += canonicalJson(value);
      return;
    }
    if (Array.isArray(value)) {
      this.#text += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.#text += ',';
        const item: unknown = value[i];
        if (item === undefined) this.#text += 'null';
        else this.value(item);
      }
      this.#text += ']';
      return;
    }
    const record = value as Record<string, unknown>;
    // canonicalJson's order: UTF-16 code units, what sort() does to strings.
    const keys = Object.keys(record).sort();
    this.#text += '{';
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) this.#text += ',';
      first = false;
      this.#text += `${canonicalJson(key)}:`;
      this.value(item);
    }
    this.#text += '}';
  }

  #long(value: string): void {
    this.#pieces.push({ text: `${this.#text}"`, plain: false });
    this.#text = quotedPieces(value, (text, plain) => this.#pieces.push({ text, plain }));
  }

  finish(): CanonicalPiece[] {
    if (this.#text.length > 0) this.#pieces.push({ text: this.#text, plain: false });
    this.#text = '';
    return this.#pieces;
  }
}
