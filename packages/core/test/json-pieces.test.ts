import { describe, expect, it } from 'vitest';
import { messageBytes, messageJson, textBytes, type JsonPieces } from '../src/mcp/json-pieces.js';

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const ALPHABET = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\u001f',
  'é',
  '€',
  '🔐',
  '\ud800',
  '\udc00',
  '\u2028',
];

function text(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

/** Values shaped like messages: objects, arrays, every JSON scalar, some longer strings. */
function value(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 3 || pick < 0.3) {
    const scalar = Math.floor(next() * 9);
    return [
      text(next, Math.floor(next() * 40)),
      text(next, 10 + Math.floor(next() * 60)),
      Math.floor(next() * 1e6) - 5e5,
      next() * 1e25,
      -0,
      true,
      null,
      Number.NaN,
      text(next, 3),
    ][scalar];
  }
  if (pick < 0.55) {
    return Array.from({ length: Math.floor(next() * 5) }, (_, i) =>
      i === 2 && next() < 0.3 ? undefined : value(next, depth + 1),
    );
  }
  const record: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(next() * 5); i++) {
    const key = next() < 0.2 ? text(next, 30) : next() < 0.5 ? String(Math.floor(next() * 10)) : `k${i}`;
    record[key] = next() < 0.1 ? undefined : value(next, depth + 1);
  }
  return record;
}

function joined(result: ReturnType<typeof messageJson>): string {
  return typeof result === 'string' ? result : result.pieces.join('');
}

describe('messageJson', () => {
  it('writes exactly what JSON.stringify writes, in pieces when a string is long', () => {
    let inPieces = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const message = { jsonrpc: '2.0', id: seed, result: value(random(seed), 0) };
      // Long means 12 code units here, so most values hold one; whole texts up to 20 stay whole.
      const result = messageJson(message, 20, 12);
      if (typeof result !== 'string') inPieces++;
      expect(joined(result), `seed ${seed}`).toBe(JSON.stringify(message));
      if (typeof result !== 'string') expect(result.length).toBe(JSON.stringify(message).length);
    }
    expect(inPieces).toBeGreaterThan(300);
  });

  it('writes what JSON.stringify writes for toJSON, boxed values and skipped members', () => {
    const long = 'x'.repeat(16);
    const message = {
      at: new Date(0),
      custom: { toJSON: (key: string) => ({ key, long }) },
      gone: { toJSON: () => undefined },
      boxed: [new String(long), new Number(3), new Boolean(false)],
      skipped: [undefined, () => 1, Symbol('s'), long],
      fn: () => 1,
      symbol: Symbol('s'),
      [long]: long,
    };
    expect(joined(messageJson(message, 10, 12))).toBe(JSON.stringify(message));
  });

  it('keeps each long string as a piece of its own, so the whole text is never built', () => {
    const big = 'lorem ipsum '.repeat(100_000);
    const message = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: big }] } };
    const result = messageJson(message, 1024 * 1024) as JsonPieces;
    expect(typeof result).toBe('object');
    // Plain ASCII: the string itself is a piece, its quotes go with the text around it.
    expect(result.pieces).toEqual([
      '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"',
      big,
      '"}]}}',
    ]);
  });

  it('takes the plain start of a long string as it is and escapes the rest as JSON.stringify does', () => {
    const plain = 'lorem ipsum '.repeat(100_000);
    const rest = `"quoted" é \\ 🔐 \ud800 \n${'x'.repeat(100)}`;
    const message = { text: plain + rest, then: 'x' };
    const result = messageJson(message, 1024, 1024) as JsonPieces;
    expect(result.pieces).toEqual(['{"text":"', plain, JSON.stringify(rest).slice(1), ',"then":"x"}']);
    expect(joined(result)).toBe(JSON.stringify(message));
  });

  it('is one string when no string is long, or when the whole text is short', () => {
    const message = { jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(1000) } };
    expect(messageJson(message, 10, 2000)).toBe(JSON.stringify(message));
    expect(messageJson(message, 5000, 100)).toBe(JSON.stringify(message));
  });
});

describe('text in pieces', () => {
  it('has the bytes of the joined text', () => {
    const message = { a: `🔐${'é'.repeat(30)}`, b: ['€'.repeat(40), 'plain'] };
    const result = messageJson(message, 10, 12);
    const whole = JSON.stringify(message);
    expect(typeof result).toBe('object');
    expect(textBytes(result).equals(Buffer.from(whole, 'utf8'))).toBe(true);
  });

  it('encodes a message as JSON.stringify would, a large one from pieces', () => {
    const large = {
      jsonrpc: '2.0',
      id: 7,
      result: {
        content: [{ type: 'text', text: `${'a'.repeat(600 * 1024)}"\n€🔐${'z'.repeat(300 * 1024)}` }],
      },
    };
    const small = { jsonrpc: '2.0', id: 8, result: { note: 'é', skipped: undefined } };
    for (const message of [large, small]) {
      expect(messageBytes(message).equals(Buffer.from(JSON.stringify(message), 'utf8'))).toBe(true);
    }
    expect(typeof messageJson(large, 0)).toBe('object');
  });
});
