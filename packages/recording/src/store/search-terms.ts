import { createHmac } from 'node:crypto';
import { RecentMap } from './recent-map.js';

/**
 * The text search's index terms (the `search_terms` column, store migration 11): a keyed blind
 * index of the words of each stored message, so `text=` is one GIN index lookup instead of a scan
 * of every message, and works unchanged when messages are encrypted at rest (the index holds keyed
 * hashes, never words).
 *
 * A word is a run of letters, digits and combining marks after NFKC normalisation and lower-casing
 * (so `delete_customer` is two words, `Größe` and `GRÖSSE` are not the same word, `ﬁle` is `file`).
 * A message's terms are its words and its word pairs (two words next to each other in the same
 * string), taken from every key and every scalar value of the JSON-RPC message but its `jsonrpc`
 * and `id` members. A query's terms are
 * built the same way, and a message matches when it holds all of them: every word of the query,
 * and each pair of neighbouring query words next to each other in one string of the message.
 */

/** Terms kept per message: a huge tool result stays indexable without a huge index entry. */
export const MAX_TERMS_PER_MESSAGE = 10_000;

/**
 * The key of stores without encryption at rest. Their messages are stored in clear, so their terms
 * need no secret: this key is public, and the terms are plain (truncated) hashes of the words.
 */
export const PUBLIC_SEARCH_KEY = Buffer.from('airlock-search-terms-v1', 'utf8');

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** ASCII is its own NFKC form: checking is a fraction of normalising, which copies the string. */
const ASCII = /^[\0-\x7f]*$/;

/** The words of `text`, in order. */
export function searchWords(text: string): string[] {
  const normal = ASCII.test(text) ? text : text.normalize('NFKC');
  return normal.toLowerCase().match(WORD) ?? [];
}

/**
 * A string longer than this is read a window at a time, and no further than the terms it can
 * still add: a 100 MiB tool result is not normalised, lower-cased and split into millions of
 * words at once for the first 10,000 terms.
 */
export const TERMS_WINDOW_CHARS = 65_536;

/**
 * Where a window may end: after a character that ends a word and that neither normalisation nor
 * lower-casing looks across (ASCII white space and punctuation other than the case-ignorable
 * `'` `.` `:` `^` `` ` ``: not letters, marks, digits), before an ASCII character (no combining
 * mark follows). Words, word pairs and normal forms are then the same as over the whole string.
 * `+` `/` `=` `-` `_` are among them, so base64 (an image a tool returns) has places to cut.
 */
const WINDOW_END = /[\t\n\r !"#$%&()*+,\-/;<=>?@[\\\]_{|}~](?=[\0-\x7f])/g;

/** Words and neighbouring pairs of one string. */
function termsOfString(text: string, into: Set<string>): void {
  if (text.length <= TERMS_WINDOW_CHARS) {
    addWords(searchWords(text), undefined, into);
    return;
  }
  let previous: string | undefined;
  let start = 0;
  while (start < text.length && into.size < MAX_TERMS_PER_MESSAGE) {
    const { end, resume } = nextWindow(text, start);
    previous = addWords(searchWords(text.slice(start, end)), previous, into);
    // A stretch was skipped: no pair across it.
    if (resume > end) previous = undefined;
    start = resume;
  }
}

/**
 * The window read from `start`: it ends (`end`, exclusive) after the first place to cut from one
 * window's length on, or at the text's end when that comes within another window's length. With
 * nowhere to cut for another window's length (a run of letters and digits, or text without ASCII
 * spaces or punctuation), the window is one window's length, its last word perhaps cut short, and
 * reading resumes after the stretch (`resume`, past its next place to cut): one giant "word" is
 * not lower-cased, matched and hashed whole.
 */
function nextWindow(text: string, start: number): { end: number; resume: number } {
  const from = start + TERMS_WINDOW_CHARS;
  if (from >= text.length) return { end: text.length, resume: text.length };
  WINDOW_END.lastIndex = from;
  const cut = WINDOW_END.exec(text)?.index;
  const limit = from + TERMS_WINDOW_CHARS;
  if (cut !== undefined && cut < limit) return { end: cut + 1, resume: cut + 1 };
  if (cut === undefined && text.length <= limit) return { end: text.length, resume: text.length };
  return { end: from, resume: cut === undefined ? text.length : cut + 1 };
}

/** Adds `words` and their pairs (the first paired with `previous`); returns the last word. */
function addWords(
  words: readonly string[],
  previous: string | undefined,
  into: Set<string>,
): string | undefined {
  let last = previous;
  for (const word of words) {
    if (into.size >= MAX_TERMS_PER_MESSAGE) break;
    into.add(word);
    if (last !== undefined) into.add(`${last} ${word}`);
    last = word;
  }
  return last;
}

/** Terms of a JSON value, as parsed from JSON: what JSON.stringify leaves out adds none. */
function collect(value: unknown, into: Set<string>): void {
  if (into.size >= MAX_TERMS_PER_MESSAGE) return;
  if (typeof value === 'string') termsOfString(value, into);
  else if (typeof value === 'number') {
    if (Number.isFinite(value)) termsOfString(String(value), into);
  } else if (typeof value === 'boolean') termsOfString(String(value), into);
  else if (Array.isArray(value)) for (const item of value) collect(item, into);
  else if (value !== null && typeof value === 'object') collectMembers(value, into);
}

/** Terms of an object's members, each key then its value; `skip` leaves members out by key. */
function collectMembers(object: object, into: Set<string>, skip?: (key: string) => boolean): void {
  for (const [key, item] of Object.entries(object)) {
    if (item === undefined || skip?.(key)) continue;
    termsOfString(key, into);
    collect(item, into);
  }
}

/**
 * Turns terms into what is stored: the first 8 bytes of HMAC-SHA-256 under a search key, as a
 * signed 64-bit integer in decimal (PostgreSQL `bigint`). Two different words collide with odds of
 * about one in 2^64 per pair; a collision can only add a session to a result, never hide one.
 *
 * An HMAC costs ~3 µs of CPU, and most words of a recording repeat (argument names, `tools`,
 * `content`, `text`...), so the hashes of recent short words are cached: measured, it took the
 * hashing from most of the added cost of storing an event to a small part of it.
 */
export class TermHasher {
  readonly #key: Buffer;
  readonly #recent = new RecentMap<string, string>(8192);

  constructor(key: Buffer) {
    this.#key = key;
  }

  hash(term: string): string {
    const cached = this.#recent.get(term);
    if (cached !== undefined) return cached;
    const hashed = createHmac('sha256', this.#key).update(term, 'utf8').digest().readBigInt64BE(0).toString();
    if (term.length <= 32) this.#recent.set(term, hashed);
    return hashed;
  }
}

/** The stored terms of a message (its JSON text as recorded). */
export function messageSearchTerms(messageJson: string, hasher: TermHasher): string[] {
  return messageValueSearchTerms(JSON.parse(messageJson) as unknown, hasher);
}

/**
 * The `_meta` members MCP reserves for itself. A 2026-07-28 client sends its protocol version,
 * name, version and capabilities in every request (`io.modelcontextprotocol/protocolVersion`,
 * `.../clientInfo`, `.../clientCapabilities`), where a 2025-era client sends them once, in
 * `initialize`: 23 of a short call's 33 terms.
 */
const PROTOCOL_META_PREFIX = 'io.modelcontextprotocol/';

/**
 * Decides whether a message's protocol `_meta` members are indexed, given their JSON (the same
 * members send the same text): true the first time in a session, false when an earlier message
 * of the session was indexed with the same ones.
 */
export type ProtocolMetaOnce = (membersJson: string) => boolean;

/**
 * The stored terms of a message given as its value (what JSON.parse of its text gives): the
 * store has the event's message as a value already, and parsing its text again cost a copy of
 * every message (100 MiB for a 100 MiB result).
 *
 * With `protocolMetaOnce`, the protocol's own `_meta` members of `params` or `result` (above) add
 * their terms only when it answers true: a search answers with sessions, and the session's first
 * message with those members already holds their terms (the same reasoning as a message's second
 * copy, see IndexedMessages). Every other `_meta` member is indexed as before.
 */
export function messageValueSearchTerms(
  message: unknown,
  hasher: TermHasher,
  protocolMetaOnce?: ProtocolMetaOnce,
): string[] {
  const terms = new Set<string>();
  if (isObject(message)) {
    // `jsonrpc` ("2.0") and `id` (the request's number) are in every message and say nothing.
    for (const [key, value] of Object.entries(message)) {
      if (key === 'jsonrpc' || key === 'id') continue;
      termsOfString(key, terms);
      if (protocolMetaOnce !== undefined && (key === 'params' || key === 'result') && isObject(value)) {
        collectWithProtocolMeta(value, terms, protocolMetaOnce);
      } else collect(value, terms);
    }
  } else collect(message, terms);
  return [...terms].map((term) => hasher.hash(term));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `collect` of a message's params or result, its protocol `_meta` members only when `once` says. */
function collectWithProtocolMeta(
  params: Record<string, unknown>,
  into: Set<string>,
  once: ProtocolMetaOnce,
): void {
  const meta = isObject(params['_meta']) ? params['_meta'] : undefined;
  const reserved = meta
    ? Object.entries(meta).filter(([key, item]) => isProtocolMeta(key) && item !== undefined)
    : [];
  if (reserved.length === 0 || once(JSON.stringify(reserved))) {
    collect(params, into);
    return;
  }
  for (const [key, item] of Object.entries(params)) {
    if (item === undefined) continue;
    termsOfString(key, into);
    if (item === meta) collectMembers(meta, into, isProtocolMeta);
    else collect(item, into);
  }
}

function isProtocolMeta(key: string): boolean {
  return key.startsWith(PROTOCOL_META_PREFIX);
}

/**
 * The terms a message must hold to match `text`; empty when `text` has no word in it. With two
 * words or more only the pairs: each pair implies its two words, and the planner estimates a
 * search from its terms' frequencies as if they were independent, so adding the words made it
 * expect a few dozen events where there were 10,000 (measured: `text=tool-3` at 100,000
 * sessions chose to collect and sort every match, 925 ms, over walking the newest sessions).
 */
export function querySearchTerms(text: string, hasher: TermHasher): string[] {
  const words = searchWords(text);
  const terms = new Set(words.length === 1 ? words : words.slice(1).map((word, i) => `${words[i]} ${word}`));
  return [...terms].map((term) => hasher.hash(term));
}
