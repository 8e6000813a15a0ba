import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AirlockError,
  canonicalJson,
  compileMasker,
  expandDetectorNames,
  MAX_JSON_DEPTH,
  parseJsonRpcMessage,
  parseUntrustedJson,
} from '../src/index.js';

function refusal(text: string): AirlockError {
  try {
    parseUntrustedJson(text);
  } catch (error) {
    if (error instanceof AirlockError) return error;
    throw error;
  }
  throw new Error(`accepted: ${text.slice(0, 80)}`);
}

const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('parseUntrustedJson: duplicate keys', () => {
  it('refuses the same key twice in one object, naming the key', () => {
    const error = refusal(
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"get-env"}}',
    );
    expect(error.code).toBe('invalid_request');
    expect(error.jsonRpcCode).toBe(-32600);
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(/key "name" twice in the object at params/);
    expect(error.message).toMatch(/send each key once/);
    expect(error.data).toEqual({ duplicateKey: 'name', path: 'params' });
  });

  it('compares keys as decoded, so an escape does not hide a duplicate', () => {
    expect(refusal('{"name":"echo","n\\u0061me":"get-env"}').data).toMatchObject({ duplicateKey: 'name' });
    expect(refusal('{"a\\"b":1,"a\\u0022b":2}').data).toMatchObject({ duplicateKey: 'a"b' });
  });

  it('finds a duplicate among many keys (the Set path) and inside arrays', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const text = JSON.stringify(many).replace(/}$/, () => ',"k17":0}');
    expect(refusal(text).data).toMatchObject({ duplicateKey: 'k17', path: '' });
    expect(refusal('{"list":[{"x":1},{"y":1,"y":2}]}').data).toEqual({ duplicateKey: 'y', path: 'list[1]' });
  });

  it('accepts the same key in sibling and nested objects, and keys that look like values', () => {
    const text = '{"a":{"a":1},"b":{"a":{"a":[{"a":1},{"a":2}]}},"c":"a","d":["a","a"],"e\\\\":"\\\\"}';
    expect(parseUntrustedJson(text)).toEqual(JSON.parse(text));
  });
});

describe('parseUntrustedJson: depth', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more with -32600, before anything recurses`, () => {
    expect(() => parseUntrustedJson(nested(MAX_JSON_DEPTH))).not.toThrow();
    const error = refusal(nested(MAX_JSON_DEPTH + 1));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH} levels \\(at a\\.a\\.a`));
    expect(error.message).toMatch(/Flatten the data/);
  });

  it('refuses 50,000 levels (the ~100 KB body that overflowed the stack) quickly and clearly', () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
    expect(() => parseJsonRpcMessage(deep)).toThrow(/deeper than 64 levels \(at params\.arguments\[0\]/);
  });

  it('counts arrays and objects alike, and takes a caller limit', () => {
    expect(() => parseUntrustedJson('[[[1]]]', { maxDepth: 3 })).not.toThrow();
    expect(() => parseUntrustedJson('[[[[1]]]]', { maxDepth: 3 })).toThrow(/deeper than 3 levels/);
  });
});

describe('parseUntrustedJson: everything else is JSON.parse', () => {
  it('reports a syntax error as parse_error (-32700)', () => {
    expect(refusal('{"a":').code).toBe('parse_error');
    expect(refusal('').code).toBe('parse_error');
  });

  it('returns exactly what JSON.parse returns for any JSON without duplicate keys', () => {
    // fc.json() builds objects from records, so keys are unique; strings cover escapes and quotes.
    fc.assert(
      fc.property(fc.json({ maxDepth: 8 }), (text) => {
        expect(parseUntrustedJson(text, { maxDepth: 100 })).toEqual(JSON.parse(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a duplicate wherever it is inserted into otherwise valid JSON', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 }), (object) => {
        const [key] = Object.keys(object) as [string];
        const text = JSON.stringify({ wrap: [object] }).replace(
          /}\]}$/,
          () => `,${JSON.stringify(key)}:null}]}`,
        );
        expect(refusal(text).data).toMatchObject({ duplicateKey: key, path: 'wrap[0]' });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('the recursive walkers behind the parser stay within the bound', () => {
  it('masking and canonical JSON handle the deepest accepted message', async () => {
    const bottom = '{"text":"mail jane@example.com"}';
    const depth = MAX_JSON_DEPTH - 3; // message, result, content
    const content = '{"a":'.repeat(depth - 1) + bottom + '}'.repeat(depth - 1);
    const message = parseJsonRpcMessage(`{"jsonrpc":"2.0","id":1,"result":{"content":${content}}}`);
    expect(canonicalJson(message)).toContain('jane@example.com');
    const masker = await compileMasker({
      detectors: expandDetectorNames(['default']),
      custom: [],
      replacement: { style: 'type', keepLast: 4 },
    });
    const { value, findings } = masker.maskMessage(message);
    expect(JSON.stringify(value)).not.toContain('jane@example.com');
    expect(findings).toHaveLength(1);
  });
});
