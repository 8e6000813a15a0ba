import type { AirlockError } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../src/client/reconnect-backoff.js';
import {
  EnrolledAgentAuthenticator,
  generateAgentToken,
  hashAgentToken,
  isTraceEnabled,
} from '../src/index.js';
import { chunkMessage, type OutgoingFrame } from '../src/stream/frame-chunker.js';
import { MessageAssembler } from '../src/stream/message-assembler.js';
import { maskingPolicyFromWire, maskingPolicyToWire } from '../src/proto/wire-mapping.js';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap with full jitter, and resets', () => {
    const ceilings = (() => {
      const b = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 1);
      return Array.from({ length: 6 }, () => b.next());
    })();
    expect(ceilings).toEqual([100, 200, 400, 800, 1000, 1000]);
    const zero = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0);
    expect(zero.next()).toBe(0);
    const half = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0.5);
    half.next();
    half.next();
    half.reset();
    expect(half.next()).toBe(50);
  });
});

/** A frame as the peer decodes it: proto3 defaults for every field the sender left out. */
const received = (f: Pick<OutgoingFrame, 'data'> & Partial<OutgoingFrame>) => ({
  data: f.data,
  more: f.more ?? false,
  relatedRequest: f.relatedRequest ?? '',
  httpStatus: f.httpStatus ?? 0,
  masking: [],
  eventStream: f.eventStream ?? false,
  streamPolled: f.streamPolled ?? false,
  retryMs: f.retryMs ?? 0,
  traceparent: f.traceparent ?? '',
  last: f.last ?? false,
});

describe('frames', () => {
  it('chunks with metadata on the first frame only and reassembles', () => {
    const data = Buffer.from('x'.repeat(2500));
    const frames = [...chunkMessage(data, { relatedRequest: 'n:1', httpStatus: 404 }, 1024)];
    expect(frames.map((f) => [f.data.length, f.more, f.relatedRequest, f.httpStatus])).toEqual([
      [1024, true, 'n:1', 404],
      [1024, true, undefined, undefined],
      [452, false, undefined, undefined],
    ]);
    const assembler = new MessageAssembler(10_000);
    const out = frames.map((f) => assembler.push(received(f)));
    expect(out.slice(0, 2)).toEqual([undefined, undefined]);
    expect(out[2]).toEqual({ data, relatedRequest: 'n:1', httpStatus: 404 });
  });

  it('puts the End of a last message on its final frame only', () => {
    const chunked = [...chunkMessage(Buffer.from('x'.repeat(2500)), undefined, 1024, true)];
    expect(chunked.map((f) => f.last === true)).toEqual([false, false, true]);
    expect([...chunkMessage(Buffer.alloc(0), undefined, 1024, true)].map((f) => f.last)).toEqual([true]);
    expect([...chunkMessage(Buffer.from('{}'), { last: true }, 1024)].map((f) => f.last)).toEqual([
      undefined,
    ]);
  });

  it('carries the trace context on the first frame of a message only', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const data = Buffer.from('y'.repeat(1500));
    const frames = [...chunkMessage(data, { traceparent }, 1024)];
    expect(frames.map((f) => f.traceparent)).toEqual([traceparent, undefined]);
    const assembler = new MessageAssembler(10_000);
    const out = frames.map((f) => assembler.push(received(f)));
    expect(out[1]).toEqual({ data, traceparent });
  });

  it('carries the event-stream flag and the polling signal (empty data, retry) on the first frame', () => {
    const assembler = new MessageAssembler(10_000);
    const [signal] = [
      ...chunkMessage(Buffer.alloc(0), { relatedRequest: 'n:2', streamPolled: true, retryMs: 500 }, 1024),
    ];
    const [message] = [
      ...chunkMessage(Buffer.from('{}'), { relatedRequest: 'n:2', eventStream: true }, 1024),
    ];
    expect(assembler.push(received(signal!))).toEqual({
      data: Buffer.alloc(0),
      relatedRequest: 'n:2',
      streamPolled: true,
      retryMs: 500,
    });
    expect(assembler.push(received(message!))).toEqual({
      data: Buffer.from('{}'),
      relatedRequest: 'n:2',
      eventStream: true,
    });
  });

  it('refuses a reassembled message over the limit', () => {
    const assembler = new MessageAssembler(1000);
    assembler.push(received({ data: Buffer.alloc(600), more: true }));
    expect(() => assembler.push(received({ data: Buffer.alloc(600), more: false }))).toThrow(
      expect.objectContaining({ code: 'message_too_large' }) as unknown as AirlockError,
    );
  });
});

describe('agent tokens', () => {
  it('authenticates only the enrolled id with the right token', () => {
    const token = generateAgentToken();
    expect(token).toMatch(/^alk_[A-Za-z0-9_-]{43}$/);
    expect(hashAgentToken(token)).toMatch(/^[0-9a-f]{64}$/);
    const auth = new EnrolledAgentAuthenticator([
      { id: 'a', tokenSha256: hashAgentToken(token), connections: ['x'] },
    ]);
    expect(auth.authenticate('a', token)).toEqual({ id: 'a', connections: ['x'] });
    expect(auth.authenticate('a', `${token}x`)).toBeUndefined();
    expect(auth.authenticate('b', token)).toBeUndefined();
    expect(auth.authenticate('a', '')).toBeUndefined();
    expect(() => new EnrolledAgentAuthenticator([{ id: 'a', tokenSha256: 'abc' }])).toThrow(/64 hex/);
  });
});

describe('AIRLOCK_TRACE', () => {
  it('parses a comma list', () => {
    expect(isTraceEnabled('tunnel', 'recording, tunnel')).toBe(true);
    expect(isTraceEnabled('tunnel', 'all')).toBe(true);
    expect(isTraceEnabled('tunnel', 'recording')).toBe(false);
    expect(isTraceEnabled('tunnel', undefined)).toBe(false);
  });
});

describe('masking policy from the wire', () => {
  const wire = (keepLast: number) =>
    maskingPolicyToWire({
      detectors: ['email', 'aws_access_key_id'],
      custom: [{ type: 'TICKET', pattern: 'T-[0-9]+', keywords: ['ticket'], keywordWindow: 32 }],
      replacement: { style: 'partial', keepLast },
    }) as Parameters<typeof maskingPolicyFromWire>[0];

  it('decodes one policy into one frozen object, whichever OpenSession carried it', () => {
    const first = maskingPolicyFromWire(wire(4));
    const again = maskingPolicyFromWire(wire(4));
    expect(again).toBe(first);
    expect(
      Object.isFrozen(first) && Object.isFrozen(first.custom[0]) && Object.isFrozen(first.detectors),
    ).toBe(true);
    expect(first).toMatchObject({
      detectors: ['aws_access_key_id', 'email'],
      custom: [{ type: 'TICKET', pattern: 'T-[0-9]+', keywords: ['ticket'], keywordWindow: 32 }],
      replacement: { style: 'partial', keepLast: 4 },
    });
    const other = maskingPolicyFromWire(wire(6));
    expect(other).not.toBe(first);
    expect(other.replacement.keepLast).toBe(6);
  });

  it('never mistakes one list of detector names for another', () => {
    const names = (detectors: string[]) =>
      maskingPolicyFromWire({
        ...wire(4),
        detectors,
        custom: [],
      } as Parameters<typeof maskingPolicyFromWire>[0]).detectors;
    // An unknown name (from a newer gateway) is dropped; it must not stand in for two known ones.
    expect(names(['email,aws_access_key_id'])).toEqual([]);
    expect(names(['email', 'aws_access_key_id'])).toEqual(['aws_access_key_id', 'email']);
    expect(names(['email,aws_access_key_id'])).toEqual([]);
  });
});
