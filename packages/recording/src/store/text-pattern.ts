/**
 * The ILIKE pattern that finds `text` inside stored messages. Messages are stored as JSON text, so
 * the needle is JSON-escaped the same way first: a search for `say "hi"` must match the stored
 * `say \"hi\"`. Then LIKE's own metacharacters are escaped (with `ESCAPE '\'` in the query) so
 * `%` and `_` match themselves.
 */
export function messageTextPattern(text: string): string {
  const jsonEscaped = JSON.stringify(text).slice(1, -1);
  return `%${jsonEscaped.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
