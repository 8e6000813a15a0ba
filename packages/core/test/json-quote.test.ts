import { describe, expect, it } from 'vitest';
import { jsonQuote, jsonQuoteRest, plainJsonPrefix } from '../src/recording/json-quote.js';

/** A small seeded generator, so a failure names the string that caused it. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Every kind of character JSON treats differently: plain ASCII, the quote, the backslash, controls,
// DEL, Latin-1, the BMP, paired and lone surrogates, and the line separators JSON leaves alone.
const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  '~',
  '!',
  '#',
  '[',
  ']',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0080',
  'é',
  'ÿ',
  '€',
  '\u2028',
  '\u2029',
  '🔐',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ufeff',
  '\uffff',
];

describe('jsonQuote', () => {
  it('writes what JSON.stringify writes, for 5,000 seeded strings', () => {
    const random = generator(7);
    for (let n = 0; n < 5_000; n++) {
      // A plain start of any length (often long), then any characters.
      const plainLength = Math.floor(random() * (random() < 0.2 ? 5_000 : 80));
      let text = 'plain text, ASCII only. '.repeat(Math.ceil(plainLength / 24)).slice(0, plainLength);
      const tail = Math.floor(random() * 12);
      for (let i = 0; i < tail; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
      expect(jsonQuote(text), `string ${n}: ${JSON.stringify(text.slice(-40))}`).toBe(JSON.stringify(text));
    }
  });

  it('finds where plain text ends, and the rest is JSON.stringify of the rest', () => {
    expect(plainJsonPrefix('')).toBe(0);
    expect(plainJsonPrefix('hello world')).toBe(11);
    expect(plainJsonPrefix('say "hi"')).toBe(4);
    expect(plainJsonPrefix('a\\b')).toBe(1);
    expect(plainJsonPrefix('tab\there')).toBe(3);
    expect(plainJsonPrefix('\u007f')).toBe(0);
    expect(plainJsonPrefix('café')).toBe(3);
    expect(jsonQuoteRest('café', 3)).toBe('é"');
    expect(jsonQuoteRest('ab\ud800', 2)).toBe('\\ud800"');
  });

  it('takes a long plain string as it is (100 MiB of ASCII)', () => {
    const big = 'abcdefghijklmnopqrstuvwxyz'.repeat(4_032_000);
    expect(plainJsonPrefix(big)).toBe(big.length);
    const quoted = jsonQuote(big);
    expect(quoted.length).toBe(big.length + 2);
    expect(quoted.startsWith('"abc') && quoted.endsWith('xyz"')).toBe(true);
  });
});
