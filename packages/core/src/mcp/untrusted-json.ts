import { AirlockError } from '../errors/airlock-error.js';

/**
 * How deep objects and arrays may nest in one message, counting the message object itself (so
 * `params.arguments` is level 3). Real MCP traffic stays far below it (a tool's JSON Schema is the
 * deepest thing in practice, a dozen levels); a bound keeps every recursive walker behind the
 * parser (masking, guardrail activation, canonical JSON, policy) far from the stack limit, which
 * unbounded input reached at ~10,000 levels.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Objects with more keys than this check duplicates with a Set; smaller ones by a short scan. */
const SMALL_OBJECT_KEYS = 8;
/** How many path segments an error names before eliding (a 50,000-level path is no help). */
const PATH_SEGMENTS_SHOWN = 12;

export interface UntrustedJsonLimits {
  /** Deepest nesting accepted (objects and arrays, the outermost counts as 1). */
  readonly maxDepth?: number;
}

/**
 * Parses JSON from outside the trust boundary (a client's body, an MCP server's message) into a
 * value every part of Airlock reads the same way. Refuses, with `invalid_request` (-32600):
 * - an object with the same key twice: JSON leaves the meaning open (JSON.parse keeps the last,
 *   other parsers the first), so policy could judge one value while a server acts on another;
 * - nesting deeper than `maxDepth`, before any recursive code sees the value.
 * Syntax errors are `parse_error` (-32700).
 *
 * JSON.parse (native, and not recursive: 50,000 levels parse fine) does the parsing; one linear
 * scan of the text then checks depth and keys. The scan only has to handle valid JSON and skips
 * string bodies with indexOf; on object-heavy text it costs about as much again as JSON.parse, on
 * a small body about 1 µs (test/bench/json-parse-cost.mjs). JavaScript parsers that report keys
 * (jsonc-parser's visitor) cost 3-4 times more.
 */
export function parseUntrustedJson(text: string, limits: UntrustedJsonLimits = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AirlockError('parse_error', `The body is not valid JSON (${(cause as Error).message}).`, {
      cause,
    });
  }
  // Scalars have nothing to check; `typeof` is cheaper than a scan.
  if (typeof value === 'object' && value !== null) checkStructure(text, limits.maxDepth ?? MAX_JSON_DEPTH);
  return value;
}

/** One open object or array during the scan; reused as the scan goes up and down. */
interface Level {
  isObject: boolean;
  /** Objects: index in `keys` where this object's keys start. Arrays: the current element index. */
  mark: number;
  /** Objects past SMALL_OBJECT_KEYS keys. */
  seen: Set<string> | undefined;
}

/** Scans valid JSON text for nesting past `maxDepth` and for duplicate keys; throws on either. */
function checkStructure(text: string, maxDepth: number): void {
  // levels[0..depth) are open, innermost last; the objects are reused rather than allocated per
  // container (a 1 MB result has tens of thousands).
  const levels: Level[] = [];
  let depth = 0;
  // The keys of every open object, innermost last; an object's keys are dropped when it closes.
  const keys: string[] = [];
  let expectKey = false;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        noteKey(levels, depth, keys, key);
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth >= maxDepth) throw tooDeep(maxDepth, levels.slice(0, depth), keys);
      const isObject = c === OPEN_OBJECT;
      let level = levels[depth];
      if (level === undefined) {
        level = { isObject, mark: 0, seen: undefined };
        levels.push(level);
      }
      level.isObject = isObject;
      level.mark = isObject ? keys.length : 0;
      level.seen = undefined;
      depth++;
      expectKey = isObject;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      const closed = levels[depth] as Level;
      if (closed.isObject) keys.length = closed.mark;
      expectKey = false;
    } else if (c === COMMA) {
      const top = levels[depth - 1] as Level;
      if (top.isObject) expectKey = true;
      else top.mark++;
    }
    i++;
  }
}

/** The index of the quote closing the string that opens at `start` (valid JSON: it exists). */
function closingQuote(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

function noteKey(levels: readonly Level[], depth: number, keys: string[], key: string): void {
  const object = levels[depth - 1] as Level;
  if (object.seen !== undefined) {
    if (object.seen.has(key)) throw duplicateKey(key, levels.slice(0, depth), keys);
    object.seen.add(key);
  } else {
    for (let k = object.mark; k < keys.length; k++) {
      if (keys[k] === key) throw duplicateKey(key, levels.slice(0, depth), keys);
    }
    if (keys.length - object.mark >= SMALL_OBJECT_KEYS)
      object.seen = new Set([...keys.slice(object.mark), key]);
  }
  keys.push(key);
}

/** Where the scan is, as `params.arguments[2].name`; long paths keep their start. */
function pathOf(levels: readonly Level[], keys: readonly string[]): string {
  const segments: string[] = [];
  for (let l = 0; l < levels.length - 1 && segments.length <= PATH_SEGMENTS_SHOWN; l++) {
    const level = levels[l] as Level;
    if (!level.isObject) {
      segments.push(`[${level.mark}]`);
      continue;
    }
    // An object's current key is its last one: the keys of the next object inside start after it.
    let keyEnd = keys.length;
    for (let m = l + 1; m < levels.length; m++) {
      const inner = levels[m] as Level;
      if (inner.isObject) {
        keyEnd = inner.mark;
        break;
      }
    }
    segments.push(`.${String(keys[keyEnd - 1] ?? '?')}`);
  }
  const shown = segments.slice(0, PATH_SEGMENTS_SHOWN).join('');
  const path = segments.length > PATH_SEGMENTS_SHOWN ? `${shown}...` : shown;
  return path.startsWith('.') ? path.slice(1) : path === '' ? '(top level)' : path;
}

function duplicateKey(key: string, levels: readonly Level[], keys: readonly string[]): AirlockError {
  const path = pathOf(levels, keys);
  const where = levels.length > 1 ? ` in the object at ${path}` : '';
  return new AirlockError(
    'invalid_request',
    `The JSON has the key ${JSON.stringify(key)} twice${where}. Parsers disagree on which copy counts, so Airlock refuses the message rather than let policy judge one value and the server act on the other: send each key once.`,
    { data: { duplicateKey: key, path: levels.length > 1 ? path : '' } },
  );
}

function tooDeep(maxDepth: number, levels: readonly Level[], keys: readonly string[]): AirlockError {
  return new AirlockError(
    'invalid_request',
    `The JSON nests objects and arrays deeper than ${maxDepth} levels (at ${pathOf(levels, keys)}), more than Airlock accepts. Flatten the data (e.g. send deeply nested content as a string).`,
    { data: { maxDepth } },
  );
}
