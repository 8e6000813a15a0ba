import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonByDefinition } from '../src/recording/canonical-json.js';
import { canonicalEventText } from '../src/index.js';

/** Keys that stress ordering: numeric-looking ones (engines list those first), case, non-ASCII. */
const trickyKey = fc.constantFrom(
  '',
  '0',
  '1',
  '10',
  '9',
  '-1',
  '01',
  'a',
  'A',
  'ab',
  'aB',
  'é',
  'e\u0301',
  '😀',
  '\ud800',
  'hash',
  'toJSON',
  'length',
);
const key = fc.oneof(fc.string(), trickyKey);
/** What JSON.parse yields, plus `undefined` where an object built in code may carry it. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** [1, <hole>, 3] */
function withHole(): unknown[] {
  const array: unknown[] = [1];
  array[2] = 3;
  return array;
}

describe('canonical JSON', () => {
  it('writes exactly what the definition writes, for any JSON-like value', () => {
    fc.assert(
      fc.property(jsonish, (value) => {
        expect(canonicalJson(value)).toBe(canonicalJsonByDefinition(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts large objects and many distinct keys the way the definition does', () => {
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) big[`k${(i * 7919) % 3001}`] = { [`id-${i}`]: i, [`${i}`]: [i] };
    expect(canonicalJson(big)).toBe(canonicalJsonByDefinition(big));
    expect(canonicalJson(big)).toBe(canonicalJson(big)); // and again, from a key cache refilled meanwhile
  });

  it('writes parsed JSON text the way the definition does, prototype-named keys included', () => {
    const texts = [
      '{"__proto__":{"b":1,"a":2},"z":[{"a":1}]}',
      '{"a":{"constructor":1},"b":{"c":2}}',
      '{"toString":"x","valueOf":{"hasOwnProperty":[1,{"k":null}]}}',
      '{"b":{"__proto__":null},"a":{}}',
    ];
    for (const text of texts) {
      const value: unknown = JSON.parse(text);
      expect(canonicalJson(value)).toBe(canonicalJsonByDefinition(value));
    }
    expect(canonicalJson(JSON.parse(texts[0] as string))).toBe('{"__proto__":{"a":2,"b":1},"z":[{"a":1}]}');
  });

  it('writes non-plain values the way the definition does', () => {
    const values: unknown[] = [
      { at: new Date(0), b: 1 },
      { f: () => 1, b: 2 },
      { a: [() => 1, undefined] },
      { s: Symbol('s') },
      Object.assign(Object.create(null) as object, { b: 1, a: { d: 2, c: 3 } }),
      withHole(), // a hole is null in JSON
      new Map([['a', 1]]),
      {
        nested: new (class Point {
          x = 1;
        })(),
      },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(canonicalJsonByDefinition(value));
    expect(canonicalJson(withHole())).toBe('[1,null,3]');
    // JSON has no bigint: both refuse it rather than invent a form.
    expect(() => canonicalJson({ n: 10n })).toThrow(TypeError);
    expect(() => canonicalJsonByDefinition({ n: 10n })).toThrow(TypeError);
  });

  it('keeps the text of a recorded event stable (hashes already stored depend on it)', () => {
    const event = {
      schema: 1,
      id: 'e1',
      sessionId: 's1',
      source: 'gateway',
      seq: 2,
      at: '2026-11-24T03:00:00.000Z',
      kind: 'message',
      direction: 'client_to_server',
      message: {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'echo', arguments: { z: 1, a: 'x' } },
      },
      identity: { subject: 'alice', groups: ['sre'] },
      connection: 'echo',
      era: 'legacy',
      protocolVersion: '2025-11-25',
      prevHash: '0'.repeat(64),
      hash: 'left out of the text it covers',
    };
    expect(canonicalEventText(event as never)).toBe(
      '{"at":"2026-11-24T03:00:00.000Z","connection":"echo","direction":"client_to_server","era":"legacy","id":"e1",' +
        '"identity":{"groups":["sre"],"subject":"alice"},"kind":"message","message":{"id":7,"jsonrpc":"2.0",' +
        '"method":"tools/call","params":{"arguments":{"a":"x","z":1},"name":"echo"}},"prevHash":"' +
        '0'.repeat(64) +
        '","protocolVersion":"2025-11-25","schema":1,"seq":2,"sessionId":"s1","source":"gateway"}',
    );
  });
});
