import { jsonQuote } from './json-quote.js';

/**
 * Canonical JSON, the text recording hashes cover: object keys sorted (by UTF-16 code units, as
 * `Array.prototype.sort` orders strings) at every depth, keys whose value is `undefined` left out,
 * `undefined` (and a hole) in arrays written as `null`, no insignificant white space. Strings and
 * numbers are written as `JSON.stringify` writes them; `toJSON` is not called.
 *
 * Recording pays this on every message, so it is written for speed (~4× the plain definition,
 * `canonicalJsonByDefinition`, which the tests hold it to): plain loops and string concatenation
 * instead of per-object arrays, map and join; keys sorted in place by insertion (objects are
 * small and often nearly sorted); quoted keys cached (messages repeat the same few); short strings
 * that need no escaping quoted without a native call.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      // undefined, functions and symbols: 'null' like an array slot; a bigint throws.
      return JSON.stringify(value) ?? 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      const item: unknown = value[i];
      text += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortInPlace(Object.keys(record));
  let text = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedKey(key) + canonicalJson(item);
  }
  return `${text}}`;
}

/** The definition of canonical JSON, written plainly: the reference `canonicalJson` is held to. */
export function canonicalJsonByDefinition(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    // Array.from, not map: a hole is `null` as in JSON.stringify (map would keep it, join write '').
    return `[${Array.from(value as unknown[], (v) => (v === undefined ? 'null' : canonicalJsonByDefinition(v))).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJsonByDefinition((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** Characters JSON.stringify escapes (quote, backslash, controls) and surrogates (lone ones are escaped). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;
const SHORT = 64;

function quote(text: string): string {
  if (text.length > SHORT) return jsonQuote(text);
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * `"key":` for keys seen recently. Only short keys, and emptied when full, so data with endless
 * distinct keys (ids used as keys) costs a bounded amount of memory and cannot crowd out for good
 * the few keys every message repeats.
 */
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;

function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = `${quote(key)}:`;
    if (key.length <= SHORT) {
      if (QUOTED_KEYS.size >= MAX_QUOTED_KEYS) QUOTED_KEYS.clear();
      QUOTED_KEYS.set(key, quoted);
    }
  }
  return quoted;
}

/**
 * Sorts by UTF-16 code units (what `sort()` does to strings); keys are unique. Small objects (all
 * of a JSON-RPC envelope) by insertion, which beats the engine's sort there; large ones by `sort()`,
 * so a message with many keys costs n log n, not n².
 */
function sortInPlace(keys: string[]): string[] {
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j -= 1;
    }
    keys[j + 1] = key;
  }
  return keys;
}
