import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/recording/canonical-json.js';
import { canonicalJsonPieces } from '../src/recording/canonical-pieces.js';

/** A small seeded generator, so a failure names the value that caused it. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const LONG = 64;
const TAILS = ['', '"', '\\', '\n', 'é', '🔐', '\ud800', '\u2028', ' end'];

function value(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 5 : 8));
  switch (pick) {
    case 0:
      return Math.floor(random() * 1000) - 500;
    case 1:
      return random() < 0.5 ? null : random() < 0.5;
    case 2:
      return 'short';
    case 3:
    case 4: {
      // A long string: plain, or with something JSON escapes or encodes in more than a byte.
      const body = 'lorem ipsum dolor sit amet '.repeat(3 + Math.floor(random() * 4));
      return body + (TAILS[Math.floor(random() * TAILS.length)] as string) + 'more';
    }
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () =>
        random() < 0.15 ? undefined : value(random, depth + 1),
      );
    default: {
      const record: Record<string, unknown> = {};
      const keys = ['b', 'a', 'message', 'Z', 'é', '__proto__x', 'content', '10', '9'];
      for (const key of keys)
        if (random() < 0.4) record[key] = random() < 0.1 ? undefined : value(random, depth + 1);
      return record;
    }
  }
}

describe('canonicalJsonPieces', () => {
  it('joins to canonicalJson for 2,000 seeded values holding long strings', () => {
    const random = generator(11);
    let withPieces = 0;
    for (let n = 0; n < 2_000; n++) {
      const v = { event: n, message: value(random, 0) };
      const pieces = canonicalJsonPieces(v, LONG);
      if (pieces === undefined) continue;
      withPieces++;
      expect(pieces.map((p) => p.text).join(''), `value ${n}`).toBe(canonicalJson(v));
      for (const piece of pieces) {
        // A plain piece's UTF-8 is one byte per character (sealEvent copies it as Latin-1).
        if (piece.plain) expect(Buffer.byteLength(piece.text, 'utf8')).toBe(piece.text.length);
      }
    }
    expect(withPieces).toBeGreaterThan(500);
  });

  it('keeps a long plain string as a piece of its own, and is undefined without one', () => {
    const big = 'abc'.repeat(100);
    expect(canonicalJsonPieces({ z: 1, message: { text: big } }, LONG)).toEqual([
      { text: '{"message":{"text":"', plain: false },
      { text: big, plain: true },
      { text: '"},"z":1}', plain: false },
    ]);
    expect(canonicalJsonPieces({ message: { text: 'abc' } }, LONG)).toBeUndefined();
  });
});
