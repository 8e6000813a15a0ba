import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PEER_CLOCK_SKEW_MS,
  signPeerRequest,
  verifyPeerSignature,
} from '../../src/cluster/peer-signature.js';
import { newSessionTag, sessionTagOf } from '../../src/cluster/session-tag.js';
import { newSessionId } from '../../src/mcp/session-id.js';

const secret = randomBytes(32);
const request = {
  method: 'POST',
  path: '/mcp/kitchen',
  sessionId: 'deadbeef.abc',
  gatewayId: 'gw-1',
  timeMs: 1_800_000_000_000,
};

describe('peer signatures on forwarded requests', () => {
  it('accept the request that was signed, within the clock skew', () => {
    const signature = signPeerRequest(secret, request);
    expect(verifyPeerSignature(secret, request, signature, request.timeMs)).toBe(true);
    expect(verifyPeerSignature(secret, request, signature, request.timeMs + PEER_CLOCK_SKEW_MS)).toBe(true);
  });

  it('refuse another secret, any changed field, a stale or future time, and malformed signatures', () => {
    const signature = signPeerRequest(secret, request);
    expect(verifyPeerSignature(randomBytes(32), request, signature, request.timeMs)).toBe(false);
    for (const change of [
      { method: 'DELETE' },
      { path: '/mcp/other' },
      { sessionId: 'deadbeef.abd' },
      { gatewayId: 'gw-2' },
      { timeMs: request.timeMs + 1 },
    ]) {
      expect(verifyPeerSignature(secret, { ...request, ...change }, signature, request.timeMs)).toBe(false);
    }
    expect(verifyPeerSignature(secret, request, signature, request.timeMs + PEER_CLOCK_SKEW_MS + 1)).toBe(
      false,
    );
    expect(verifyPeerSignature(secret, request, signature, request.timeMs - PEER_CLOCK_SKEW_MS - 1)).toBe(
      false,
    );
    expect(verifyPeerSignature(secret, request, '', request.timeMs)).toBe(false);
    expect(verifyPeerSignature(secret, request, signature.toUpperCase(), request.timeMs)).toBe(false);
    expect(verifyPeerSignature(secret, { ...request, timeMs: Number.NaN }, signature, request.timeMs)).toBe(
      false,
    );
  });
});

describe('session tags', () => {
  it('name the issuing gateway in its session ids and nothing else', () => {
    const tag = newSessionTag();
    expect(tag).toMatch(/^[0-9a-f]{8}$/);
    const id = newSessionId(tag);
    expect(sessionTagOf(id)).toBe(tag);
    // The unguessable part is unchanged: 192 bits, base64url.
    expect(id.slice(tag.length + 1)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
    // Untagged ids (one gateway) and ids that only look tagged name no gateway.
    expect(sessionTagOf(newSessionId())).toBeUndefined();
    expect(sessionTagOf('DEADBEEF.x')).toBeUndefined();
    expect(sessionTagOf('deadbeefx.y')).toBeUndefined();
  });
});
