import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENESIS_HASH, type RecordingEvent } from '@airlock/core';
import type { Spool } from '../../src/index.js';

/** Temporary directories removed after the test file. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'airlock-spool-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A plausible event; `seq` doubles as an identity the tests can check for. */
export function testEvent(seq: number, padding = 0): RecordingEvent {
  return {
    schema: 1,
    id: `event-${seq}`,
    sessionId: 'session-1',
    source: 'gateway',
    seq,
    at: new Date(1_700_000_000_000 + seq).toISOString(),
    kind: 'message',
    identity: { subject: 'alice', groups: ['dev'] },
    connection: 'github',
    era: 'legacy',
    protocolVersion: '2025-06-18',
    direction: 'client_to_server',
    message: {
      jsonrpc: '2.0',
      id: seq,
      method: 'tools/call',
      params: { name: 'echo', pad: 'x'.repeat(padding) },
    },
    prevHash: GENESIS_HASH,
    hash: 'f'.repeat(64),
  };
}

/** Reads everything `sink` has not acknowledged, in batches, without acknowledging. */
export async function readAll(spool: Spool, sink: string): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  let from = spool.cursor(sink);
  for (;;) {
    const batch = await spool.read(sink, from, 100);
    if (batch.records.length === 0) return events;
    events.push(...batch.records.map((record) => record.event));
    from = batch.next;
  }
}

/** Reads and acknowledges everything pending for `sink`. */
export async function drain(spool: Spool, sink: string): Promise<RecordingEvent[]> {
  const events: RecordingEvent[] = [];
  for (;;) {
    const batch = await spool.read(sink, undefined, 100);
    if (batch.records.length === 0) return events;
    events.push(...batch.records.map((record) => record.event));
    await spool.ack(sink, batch.next);
  }
}
