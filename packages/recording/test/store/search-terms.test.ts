import { describe, expect, it } from 'vitest';
import {
  MAX_TERMS_PER_MESSAGE,
  messageSearchTerms,
  messageValueSearchTerms,
  PUBLIC_SEARCH_KEY,
  searchWords,
  TERMS_WINDOW_CHARS,
  TermHasher,
} from '../../src/store/search-terms.js';

/**
 * A long string is read a window at a time: its terms must be exactly those of the whole string
 * read at once (the definition in search-terms.ts), in the same order, cap included.
 */

const hasher = new TermHasher(PUBLIC_SEARCH_KEY);

/** The terms of `{ text }` by the definition: the key, then the words and pairs of the whole text. */
function wholeStringTerms(text: string): string[] {
  const terms = new Set<string>(['text']);
  const words = searchWords(text);
  for (let i = 0; i < words.length && terms.size < MAX_TERMS_PER_MESSAGE; i += 1) {
    terms.add(words[i]!);
    if (i > 0) terms.add(`${words[i - 1]!} ${words[i]!}`);
  }
  return [...terms].map((term) => hasher.hash(term));
}

/** Seeded, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

// Words and separators chosen to sit on window ends: NFKC (ﬁ, full-width, ㈱), case (ß, final
// sigma after case-ignorable `'` and `.`), combining marks after ASCII, digits, quotes, brackets.
const PIECES = [
  'acme',
  'Corp',
  'ﬁle',
  'ＡＢＣ',
  '㈱',
  'größe',
  'ΟΔΟΣ',
  "ΑΣ'Α",
  'Σ.Α',
  'e\u0301',
  'a\u0308',
  '42',
  '3.14',
  'delete_customer',
  '"quoted"',
  '(x)',
  '[y]',
  '{z}',
  'naïve',
  '日本語',
  '🔐',
];
const SEPARATORS = [
  ' ',
  ' ',
  ' ',
  '\n',
  ', ',
  '; ',
  '\t',
  '',
  '"',
  '.',
  "'",
  '\u0301 ',
  '+',
  '/',
  '-',
  '_',
  '=',
  '^',
  ':',
];

function text(seed: number, length: number): string {
  const next = random(seed);
  let out = '';
  while (out.length < length) {
    out += PIECES[Math.floor(next() * PIECES.length)]!;
    out += SEPARATORS[Math.floor(next() * SEPARATORS.length)]!;
  }
  return out;
}

describe('search terms of long strings', () => {
  it.each([1, 2, 3, 4, 5])('are those of the whole string (seed %i)', (seed) => {
    const long = text(seed, 5 * TERMS_WINDOW_CHARS + 777);
    expect(messageSearchTerms(JSON.stringify({ text: long }), hasher)).toEqual(wholeStringTerms(long));
  });

  it('stop at the cap in the same place', () => {
    // Every word new: the cap is reached inside the first few windows.
    const words = Array.from({ length: 60_000 }, (_, i) => `w${i.toString(36)}`);
    const long = words.join(' ');
    expect(long.length).toBeGreaterThan(2 * TERMS_WINDOW_CHARS);
    const terms = messageSearchTerms(JSON.stringify({ text: long }), hasher);
    expect(terms).toHaveLength(MAX_TERMS_PER_MESSAGE);
    expect(terms).toEqual(wholeStringTerms(long));
  });

  it.each(["'", '.', ':', '^', '`'])(
    'never end a window where lower-casing looks across (final sigma after %s)',
    (ignorable) => {
      // A window may end at the first place after TERMS_WINDOW_CHARS: here a case-ignorable
      // character right there. Σ before it and `a` is not final (σ); ending the window after it
      // would make it final (ς).
      const head = `${'ab '.repeat(21_844)}x `;
      expect(head).toHaveLength(TERMS_WINDOW_CHARS - 2);
      const long = `${head}ΑΣ${ignorable}a ${'de '.repeat(10)}`;
      expect(long.indexOf(ignorable, head.length)).toBe(TERMS_WINDOW_CHARS);
      const terms = messageSearchTerms(JSON.stringify({ text: long }), hasher);
      expect(terms).toEqual(wholeStringTerms(long));
      expect(terms).toContain(hasher.hash('ασ'));
    },
  );

  it('read base64 (an image a tool returns) a window at a time, as the whole string', () => {
    const next = random(7);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let base64 = '';
    while (base64.length < 4 * TERMS_WINDOW_CHARS) base64 += alphabet[Math.floor(next() * 64)];
    const long = `${base64}==`;
    // Every + and / may end a window: none is longer than a window and a bit.
    expect(messageSearchTerms(JSON.stringify({ text: long }), hasher)).toEqual(wholeStringTerms(long));
  });

  it('read only the first window of a stretch with nowhere to cut, then go on after it', () => {
    // 3 windows of letters and no place to cut: read as a word of one window (cut short), the
    // rest of the stretch skipped, and no pair across it.
    const word = 'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil((3 * TERMS_WINDOW_CHARS) / 26));
    const long = `lead ${word} tail end`;
    const terms = messageSearchTerms(JSON.stringify({ text: long }), hasher);
    const firstWindow = searchWords(long.slice(0, TERMS_WINDOW_CHARS));
    expect(firstWindow).toEqual(['lead', word.slice(0, TERMS_WINDOW_CHARS - 5)]);
    expect(terms).toEqual(
      ['text', 'lead', firstWindow[1]!, `lead ${firstWindow[1]!}`, 'tail', 'end', 'tail end'].map((t) =>
        hasher.hash(t),
      ),
    );
  });

  it('read a stretch with nowhere to cut at the very end of a string', () => {
    const long = `head ${'x'.repeat(2 * TERMS_WINDOW_CHARS)}`;
    const terms = messageSearchTerms(JSON.stringify({ text: long }), hasher);
    const cutShort = 'x'.repeat(TERMS_WINDOW_CHARS - 5);
    expect(terms).toEqual(['text', 'head', cutShort, `head ${cutShort}`].map((t) => hasher.hash(t)));
  });
});

describe('search terms of a message value', () => {
  it('are those of its JSON text', () => {
    const message = {
      jsonrpc: '2.0',
      id: 7,
      result: { content: [{ type: 'text', text: 'acme corp', gone: undefined }], n: 12.5, ok: true },
      list: [undefined, null, 'kept'],
      weird: Number.NaN,
    };
    expect(messageValueSearchTerms(message, hasher)).toEqual(
      messageSearchTerms(JSON.stringify(message), hasher),
    );
  });
});

describe("a message's protocol _meta members", () => {
  const terms = (message: unknown, once?: (json: string) => boolean) =>
    new Set(messageValueSearchTerms(message, hasher, once));
  const has = (set: Set<string>, term: string) => set.has(hasher.hash(term));
  const request = {
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: {
      name: 'lookup',
      arguments: { term: 'narwhal' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'okapi-client', version: '1.0.0' },
        progressToken: 'pangolin-7',
        'com.example/trace': 'walrus',
      },
    },
  };

  it('are left out when `once` says so, and nothing else is', () => {
    const asked: string[] = [];
    const without = terms(request, (json) => (asked.push(json), false));
    const whole = terms(request);
    expect(asked).toHaveLength(1);
    for (const gone of [
      'okapi client',
      'okapi',
      'modelcontextprotocol',
      'clientinfo',
      'protocolversion',
      '2026',
    ]) {
      expect(has(whole, gone)).toBe(true);
      expect(has(without, gone)).toBe(false);
    }
    for (const kept of [
      'narwhal',
      'lookup',
      'meta',
      'pangolin 7',
      'progresstoken',
      'walrus',
      'com example',
      'tools call',
    ]) {
      expect(has(without, kept)).toBe(true);
    }
    // With `once` answering true, the terms are the message's whole terms.
    expect(terms(request, () => true)).toEqual(whole);
  });

  it('are asked about by their JSON, which the same members repeat', () => {
    const asked: string[] = [];
    const once = (json: string) => (asked.push(json), true);
    terms(request, once);
    terms({ ...request, id: 4, params: { ...request.params, arguments: { term: 'tapir' } } }, once);
    terms({ jsonrpc: '2.0', id: 4, result: { content: [], _meta: request.params._meta } }, once);
    expect(new Set(asked).size).toBe(1);
    expect(asked).toHaveLength(3);
  });

  it('are not asked about when a message has none', () => {
    const asked: string[] = [];
    const once = (json: string) => (asked.push(json), false);
    terms(
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', _meta: { progressToken: 1 } } },
      once,
    );
    terms(
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'io.modelcontextprotocol/x' }] } },
      once,
    );
    terms({ jsonrpc: '2.0', method: 'notifications/initialized' }, once);
    expect(asked).toEqual([]);
  });
});
