import { createHash } from 'node:crypto';
import { canonicalEventText, GENESIS_HASH, type RecordingEvent } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { sealEvent } from '../../src/recorder/build-event.js';

function fields(text: string): Omit<RecordingEvent, 'hash'> {
  return {
    schema: 1,
    id: 'event-1',
    sessionId: 'session-1',
    source: 'gateway',
    seq: 2,
    at: '2026-03-01T10:00:00.000Z',
    kind: 'message',
    identity: { subject: 'alice', groups: ['sre'] },
    connection: 'kitchen',
    era: 'legacy',
    protocolVersion: '2025-11-25',
    direction: 'server_to_client',
    message: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text }] } },
    prevHash: GENESIS_HASH,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('sealEvent', () => {
  const texts = {
    short: 'Echo: hello',
    'long plain': 'abcdefghijklmnopqrstuvwxyz'.repeat(50_000),
    'long, then escapes and non-ASCII': `${'lorem ipsum '.repeat(100_000)}"é" \\ 🔐 \ud800\n end`,
    'long, non-ASCII from the start': `é${'x'.repeat(1_100_000)}`,
  };
  for (const [name, text] of Object.entries(texts)) {
    it(`hashes the canonical text and writes it with the hash: ${name}`, () => {
      const unsealed = fields(text);
      const canonical = canonicalEventText(unsealed);
      const { event, json } = sealEvent(unsealed);
      expect(event.hash).toBe(sha256(canonical));
      expect(json.toString('utf8')).toBe(`${canonical.slice(0, -1)},"hash":"${event.hash}"}`);
      expect(JSON.parse(json.toString('utf8'))).toEqual(event);
    });
  }
});
