import { randomUUID } from 'node:crypto';
import { canonicalEventText, GENESIS_HASH, type RecordingEvent, type RecordingSource } from '@airlock/core';
import { sha256Hex } from '../../src/recorder/sha256-hex.js';

export interface ChainOptions {
  sessionId?: string;
  source?: RecordingSource;
  /** Bytes of padding text in each message's tool arguments (to make large events). */
  padding?: number;
}

/** A correctly hash-chained run of `count` message events for one (session, source). */
export function chainedEvents(count: number, options: ChainOptions = {}): RecordingEvent[] {
  const sessionId = options.sessionId ?? `sess-${randomUUID()}`;
  const source = options.source ?? 'gateway';
  const events: RecordingEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const event = sealed({
      schema: 1,
      id: randomUUID(),
      sessionId,
      source,
      seq,
      at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, seq)).toISOString(),
      kind: 'message',
      identity: { subject: 'alice', email: 'alice@example.com', groups: ['eng'] },
      connection: 'demo',
      era: 'legacy',
      protocolVersion: '2025-06-18',
      direction: seq % 2 === 1 ? 'client_to_server' : 'server_to_client',
      message:
        seq % 2 === 1
          ? {
              jsonrpc: '2.0',
              id: seq,
              method: 'tools/call',
              params: { name: 'echo', arguments: { text: 'x'.repeat(options.padding ?? 16) } },
            }
          : {
              jsonrpc: '2.0',
              id: seq - 1,
              result: { content: [{ type: 'text', text: 'y'.repeat(options.padding ?? 16) }] },
            },
      prevHash,
    });
    events.push(event);
    prevHash = event.hash;
  }
  return events;
}

/** Computes `hash` for an event (after a test changed it on purpose, say). */
export function sealed(event: Omit<RecordingEvent, 'hash'>): RecordingEvent {
  return { ...event, hash: sha256Hex(canonicalEventText(event)) } as RecordingEvent;
}

/** Sets the AWS environment for the default credential chain; IMDS (link-local) stays off. */
export function useTestAwsEnvironment(): void {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTKINESALITE';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-not-real';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
}
