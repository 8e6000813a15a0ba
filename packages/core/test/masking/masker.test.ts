import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AirlockError,
  compileMasker,
  effectiveMaskingPolicy,
  expandDetectorNames,
  maskingPolicyFromRule,
  parseConfig,
  type MaskingPolicy,
} from '../../src/index.js';

const policy = (over: Partial<MaskingPolicy> = {}): MaskingPolicy => ({
  detectors: expandDetectorNames(['default']),
  custom: [],
  replacement: { style: 'type', keepLast: 4 },
  ...over,
});
const CARD = '4111 1111 1111 1111';

describe('compileMasker', () => {
  it('records type, JSON path and count, never the value', async () => {
    const message = {
      jsonrpc: '2.0' as const,
      id: 3,
      result: {
        content: [{ type: 'text', text: `cards ${CARD} and ${CARD}` }],
        structuredContent: { 'odd key': 'mail jane@example.com' },
      },
    };
    const { value, findings } = (await compileMasker(policy())).maskMessage(message);
    expect(findings).toEqual([
      { type: 'PAYMENT_CARD', path: 'result.content[0].text', count: 2 },
      { type: 'EMAIL', path: 'result.structuredContent["odd key"]', count: 1 },
    ]);
    expect(JSON.stringify(findings)).not.toContain('4111');
    expect(JSON.stringify(value)).not.toContain('jane@example.com');
    expect(message.result.content[0]!.text).toContain(CARD); // the input is never changed
  });

  it('keeps the envelope and opaque ids intact, so the message stays valid JSON-RPC', async () => {
    const id = 'jane@example.com';
    const message = {
      jsonrpc: '2.0' as const,
      method: 'notifications/progress',
      params: { progressToken: id, progress: 1, message: `working on ${id}` },
    };
    const { value } = (await compileMasker(policy())).maskMessage(message);
    expect(value).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: id, progress: 1, message: 'working on [MASKED:EMAIL]' },
    });
  });

  it('returns the very same object when nothing is masked', async () => {
    const message = {
      jsonrpc: '2.0' as const,
      id: 1,
      result: { content: [{ type: 'text', text: 'nothing here' }] },
    };
    expect((await compileMasker(policy())).maskMessage(message).value).toBe(message);
  });

  it('writes partial and keyed-hash replacements', async () => {
    const partial = await compileMasker(policy({ replacement: { style: 'partial', keepLast: 4 } }));
    expect(partial.mask(`card ${CARD}`).value).toBe('card [MASKED:PAYMENT_CARD:…1111]');
    const hashed = await compileMasker(policy({ replacement: { style: 'hash', keepLast: 4 } }), {
      keyedHash: (text) => (text === 'jane@example.com' ? 'ab12cd34ef56aaaa' : 'ffffffffffffffff'),
    });
    expect(hashed.mask('a jane@example.com b jane@example.com c joe@example.com').value).toBe(
      'a [MASKED:EMAIL:ab12cd34ef56] b [MASKED:EMAIL:ab12cd34ef56] c [MASKED:EMAIL:ffffffffffff]',
    );
    await expect(compileMasker(policy({ replacement: { style: 'hash', keepLast: 4 } }))).rejects.toThrow(
      AirlockError,
    );
  });

  it('masks injected values even with no detectors at all', async () => {
    const masker = await compileMasker(policy({ detectors: [] }), {
      injected: [{ type: 'AWS_SECRET_ACCESS_KEY', value: 'not-a-pattern-at-all-42' }],
    });
    expect(masker.mask({ out: 'x=not-a-pattern-at-all-42;' }).value).toEqual({
      out: 'x=[MASKED:AWS_SECRET_ACCESS_KEY];',
    });
  });

  it('runs custom detectors with keywords and check digits', async () => {
    const masker = await compileMasker(
      policy({
        detectors: [],
        custom: [
          { type: 'EMPLOYEE_ID', pattern: 'E-[0-9]{6}', keywords: ['employee'], keywordWindow: 20 },
          { type: 'ACCOUNT', pattern: '[0-9]{16}', keywords: [], keywordWindow: 64, validate: 'luhn' },
        ],
      }),
    );
    expect(masker.mask('employee E-123456, visitor E-654321').value).toBe(
      'employee [MASKED:EMPLOYEE_ID], visitor E-654321',
    );
    expect(masker.mask('4111111111111111 4111111111111112').value).toBe('[MASKED:ACCOUNT] 4111111111111112');
  });

  it('runs a catastrophic-backtracking pattern in linear time on 100 KiB', async () => {
    const masker = await compileMasker(
      policy({
        detectors: [],
        custom: [{ type: 'EVIL', pattern: '(a+)+$', keywords: [], keywordWindow: 64 }],
      }),
    );
    const input = `${'a'.repeat(100 * 1024)}!`;
    expect(masker.mask(input).value).toBe(input);
  });

  it('refuses patterns the linear-time engine cannot run, naming the detector', async () => {
    const bad = (pattern: string) =>
      compileMasker(policy({ custom: [{ type: 'BAD_ONE', pattern, keywords: [], keywordWindow: 64 }] }));
    await expect(bad('(a)\\1')).rejects.toThrow(/BAD_ONE.*linear-time engine/);
    await expect(bad('foo(?=bar)')).rejects.toThrow(/BAD_ONE/);
    await expect(bad('x*')).rejects.toThrow(/empty string/);
  });

  it('masks a 20 MiB string in slices, yielding between them, with the same result as at once', async () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil((20 * 1024 * 1024) / 27));
    const text = `${CARD} ${filler} jane@example.com`;
    const masker = await compileMasker(policy());
    let yields = 0;
    const sliced = await masker.maskAsync(
      { text },
      { sliceChars: 256 * 1024, yieldEvery: () => ((yields += 1), Promise.resolve()) },
    );
    expect(yields).toBeGreaterThan(60);
    expect(sliced.value.text.startsWith('[MASKED:PAYMENT_CARD] lorem')).toBe(true);
    expect(sliced.value.text.endsWith(' [MASKED:EMAIL]')).toBe(true);
    expect(sliced.value).toEqual(masker.mask({ text }).value);
    expect(sliced.findings).toEqual(masker.mask({ text }).findings);
  });

  it('finds a value that straddles a slice boundary', async () => {
    const text = `${'x '.repeat(5000)}jane@example.com${' y'.repeat(5000)}`;
    const at = text.indexOf('jane');
    const masker = await compileMasker(policy());
    const sliced = await masker.maskAsync(text, { sliceChars: at + 4, yieldEvery: () => Promise.resolve() });
    expect(sliced.value).toBe(masker.mask(text).value);
    expect(sliced.value).toContain('[MASKED:EMAIL]');
  });

  it('never changes the JSON shape: strings stay strings, keys and other values stay', async () => {
    const masker = await compileMasker(policy({ detectors: expandDetectorNames(['all']) }));
    const shape = (v: unknown): unknown =>
      typeof v === 'string'
        ? 'string'
        : Array.isArray(v)
          ? v.map(shape)
          : typeof v === 'object' && v !== null
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]))
            : v;
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom('', CARD, 'jane@example.com', '10.0.0.1', 'AKIAIOSFODNN7EXAMPLE'),
        (value, secret) => {
          const withSecret = { value, text: `x ${secret} y` };
          expect(shape(masker.mask(withSecret).value)).toEqual(shape(withSecret));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('masking policy', () => {
  it('lets the agent floor only add to what the gateway asks', async () => {
    const off = maskingPolicyFromRule({
      connections: ['*'],
      enabled: false,
      detectors: ['all'],
      custom: [],
      replacement: { style: 'type', keepLast: 4 },
    });
    expect(off.detectors).toEqual([]);
    const effective = effectiveMaskingPolicy(off, { detectors: ['secrets'], custom: [] });
    expect(effective.detectors).toEqual(expandDetectorNames(['secrets']));
    expect(effectiveMaskingPolicy(undefined, { detectors: ['email'], custom: [] }).detectors).toEqual([
      'email',
    ]);
    expect(maskingPolicyFromRule(undefined).detectors).toEqual(expandDetectorNames(['default']));
  });

  it('stops a configuration with an unknown detector or an unrunnable pattern, naming the path', async () => {
    const config = (masking: unknown) =>
      JSON.stringify({
        gateway: { tunnel: { tls: { certFile: 'c', keyFile: 'k' } }, masking },
      });
    expect(() => parseConfig(config([{ connections: ['*'], detectors: ['credit_cards'] }]))).toThrow(
      /gateway\.masking\[0\]\.detectors\[0\]: unknown detector "credit_cards"/,
    );
    expect(() =>
      parseConfig(config([{ connections: ['*'], custom: [{ type: 'X', pattern: '(a)\\1' }] }])),
    ).toThrow(/gateway\.masking\[0\]\.custom\[0\]\.pattern: .*linear-time engine/);
  });
});

describe('injected values', () => {
  it('never show a tail or a hash, whatever the style', async () => {
    const masker = await compileMasker(
      {
        detectors: expandDetectorNames(['default']),
        custom: [],
        replacement: { style: 'partial', keepLast: 4 },
      },
      { injected: [{ type: 'AWS_SECRET_ACCESS_KEY', value: 'injected-secret-value-1234' }] },
    );
    expect(masker.mask('k=injected-secret-value-1234 card 4111 1111 1111 1111').value).toBe(
      'k=[MASKED:AWS_SECRET_ACCESS_KEY] card [MASKED:PAYMENT_CARD:…1111]',
    );
  });
});
