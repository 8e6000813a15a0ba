import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import {
  TUNNEL_PROTO_FILE,
  TUNNEL_PROTO_OPTIONS,
  tunnelProto,
  tunnelProtoDir,
} from '../src/proto/load-tunnel-proto.js';

type Codec = {
  requestSerialize(value: object): Buffer;
  requestDeserialize(bytes: Buffer): Record<string, unknown>;
  responseSerialize(value: object): Buffer;
  responseDeserialize(bytes: Buffer): Record<string, unknown>;
};

/** proto-loader's own codec for the Session call: fromObject + encode, decode + toObject. */
function converting(): Codec {
  const definition = loadSync(TUNNEL_PROTO_FILE, {
    ...TUNNEL_PROTO_OPTIONS,
    includeDirs: [tunnelProtoDir()],
  });
  return (definition['airlock.tunnel.v1.TunnelService'] as unknown as Record<string, Codec>)['Session']!;
}

/** The codec the tunnel runs with. */
function direct(): Codec {
  const service = (tunnelProto().TunnelService as unknown as { service: Record<string, Codec> }).service;
  return service['Session']!;
}

/** Every field proto-loader's object has, read off `actual` (own or inherited), recursively. */
function readsLike(actual: unknown, expected: unknown): void {
  if (expected === null || typeof expected !== 'object' || Buffer.isBuffer(expected)) {
    expect(actual).toEqual(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((item, i) => readsLike((actual as unknown[])[i], item));
    return;
  }
  for (const [key, value] of Object.entries(expected)) {
    readsLike((actual as Record<string, unknown>)[key], value);
  }
}

const FULL_FRAME = {
  data: Buffer.from('{"jsonrpc":"2.0","id":7,"result":{}}'),
  more: true,
  relatedRequest: '7',
  httpStatus: 202,
  masking: [{ type: 'EMAIL', path: 'result.content[0].text', count: 2 }],
  eventStream: true,
  streamPolled: false,
  retryMs: 1500,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  last: true,
};

const REQUESTS = [
  { frame: FULL_FRAME },
  { frame: { data: Buffer.from('{}'), more: false } },
  { frame: { data: Buffer.alloc(0), streamPolled: true } },
  { end: {} },
  { end: { failure: { code: 'upstream_failed', message: 'The MCP server crashed; retry.' } } },
  { attach: { openId: 'open-1', standby: false } },
  { attach: { openId: '', standby: true } },
];

/** Frozen, as the gateway's masking policies are: the codec must never change what it is given. */
const OPEN = deepFreeze({
  openId: '',
  connection: 'echo',
  sessionId: 'x-1',
  kind: 'SESSION_KIND_EXCHANGE',
  protocolVersion: '2026-07-28',
  caller: { subject: 'alice', email: 'alice@example.com', groups: ['sre'], tokenId: 't', anonymous: false },
  forwardHeaders: { 'mcp-param-region': 'eu-west-1' },
  era: 'PROTOCOL_ERA_MODERN',
  masking: {
    detectors: ['email'],
    custom: [
      {
        type: 'ACCOUNT',
        pattern: 'acct-[0-9]+',
        keywords: ['account'],
        keywordWindow: 20,
        validation: 'DETECTOR_VALIDATION_LUHN',
      },
    ],
    replacementStyle: 'REPLACEMENT_STYLE_PARTIAL',
    keepLast: 4,
  },
  firstFrame: { data: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}') },
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const RESPONSES = [
  ...REQUESTS.filter((m) => !('attach' in m)),
  { open: OPEN },
  // Unset enums and messages: proto-loader names an enum's zero value and leaves messages null.
  { open: { openId: 'o-2', connection: 'echo', sessionId: 's-2' } },
];

describe('the Session codec (protobuf.js directly, enums converted)', () => {
  it('writes the same bytes as proto-loader, and reads back what proto-loader reads', () => {
    const slow = converting();
    const fast = direct();
    for (const message of REQUESTS) {
      const bytes = fast.requestSerialize(message);
      expect(bytes.equals(slow.requestSerialize(message))).toBe(true);
      const expected = slow.requestDeserialize(bytes);
      readsLike(fast.requestDeserialize(bytes), expected);
      expect(fast.requestDeserialize(bytes)['kind']).toBe(expected['kind']);
    }
    for (const message of RESPONSES) {
      const bytes = fast.responseSerialize(message);
      expect(bytes.equals(slow.responseSerialize(message))).toBe(true);
      const expected = slow.responseDeserialize(bytes);
      readsLike(fast.responseDeserialize(bytes), expected);
      expect(fast.responseDeserialize(bytes)['kind']).toBe(expected['kind']);
    }
  });

  it('keeps enums as names in an OpenSession, both ways', () => {
    const fast = direct();
    const read = fast.responseDeserialize(fast.responseSerialize({ open: OPEN }));
    readsLike(read, converting().responseDeserialize(converting().responseSerialize({ open: OPEN })));
    expect(read['open']).toMatchObject({
      kind: 'SESSION_KIND_EXCHANGE',
      era: 'PROTOCOL_ERA_MODERN',
      masking: {
        replacementStyle: 'REPLACEMENT_STYLE_PARTIAL',
        custom: [{ validation: 'DETECTOR_VALIDATION_LUHN' }],
      },
    });
  });
});
