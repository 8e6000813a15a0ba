/**
 * The first character `JSON.stringify` might write differently from itself inside a string: any
 * but printable ASCII, and of those the quote and the backslash. Up to it a string's JSON text is
 * the string itself, and its UTF-8 bytes are its characters.
 */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * `JSON.stringify(text)`, for any string, with the same output. V8 escapes a long string slowly:
 * 100 MiB of ASCII took 250 ms on Node 20 and 425 ms on Node 22, where one regular-expression
 * scan takes 86 ms. Here the scan finds where escaping might start; the text before it is taken as
 * it is (a string joined from pieces, not copied), and only the rest goes through
 * `JSON.stringify`. The rest starts on a character boundary: what precedes it is ASCII, so no
 * surrogate pair is split.
 */
export function jsonQuote(text: string): string {
  const plain = plainJsonPrefix(text);
  if (plain === text.length) return `"${text}"`;
  if (plain === 0) return JSON.stringify(text);
  return `"${text.slice(0, plain)}${jsonQuoteRest(text, plain)}`;
}

/**
 * How many characters at the start of `text` JSON writes as they are, one UTF-8 byte each
 * (printable ASCII but the quote and the backslash): `text.length` when all of it.
 */
export function plainJsonPrefix(text: string): number {
  const first = text.search(NOT_PLAIN);
  return first < 0 ? text.length : first;
}

/** The JSON text of `text` from `start` (a plainJsonPrefix) on, with the closing quote but not the opening one. */
export function jsonQuoteRest(text: string, start: number): string {
  return (JSON.stringify(text.slice(start)) as string).slice(1);
}

/**
 * The JSON text of a long string after its opening quote, as pieces given to `piece`: its plain
 * start as it is (the string itself when all of it is plain, else a slice: not a copy), then, if
 * any, the escaped rest with the closing quote. Returns the text that continues after them: the
 * closing quote when the string was all plain, else nothing.
 */
export function quotedPieces(text: string, piece: (text: string, plain: boolean) => void): string {
  const plain = plainJsonPrefix(text);
  if (plain === text.length) {
    piece(text, true);
    return '"';
  }
  if (plain > 0) piece(text.slice(0, plain), true);
  piece(jsonQuoteRest(text, plain), false);
  return '';
}
