import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonRpcMessage, RecordingEvent, RelayContext } from '@airlock/core';
import { PgliteStore, SessionRecorder } from '@airlock/recording';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionEventsSource } from '../../src/live/session-events-source.js';

/**
 * The live events of a session that two gateways record (a modern-era group across a cluster):
 * the store pages a record by seq, which interleaves the chains, and gateway b's chain starts
 * (at seq 1) after gateway a's has moved on; none of its events may be skipped.
 */

const base: RelayContext = {
  sessionId: 'live-group',
  connection: 'billing',
  caller: { subject: 'alice', groups: [], anonymous: false },
  era: 'modern',
  protocolVersion: '2026-07-28',
};

let dir: string;
let store: PgliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-live-chains-'));
  store = await PgliteStore.open({ dataDir: join(dir, 'store') });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function recorderFor(gatewayId: string, chain: string, into: RecordingEvent[]) {
  const recorder = new SessionRecorder({
    spool: { append: (event: RecordingEvent) => Promise.resolve(into.push(event)) },
    source: 'gateway',
    gatewayId,
  });
  let id = 0;
  return async (text: string) => {
    id += 1;
    const call: JsonRpcMessage = { jsonrpc: '2.0', id, method: 'tools/call', params: { name: text } };
    await recorder.record(
      { ...base, chain },
      { source: 'gateway', direction: 'client_to_server', message: call, at: Date.now() },
    );
  };
}

/** Reads the source until it has nothing more, as the stream does on a wake-up. */
async function readAll(source: ReturnType<typeof sessionEventsSource>, cursor: string) {
  const events: RecordingEvent[] = [];
  for (;;) {
    const read = await source.read(cursor);
    for (const e of read.events)
      if (e.event === 'events') events.push(...(e.data as { events: RecordingEvent[] }).events);
    cursor = read.cursor;
    if (!read.more) return { events, cursor };
  }
}

describe('the live events of a session two gateways record', () => {
  it('passes on every event of a chain that starts or falls behind after the other moved on, once', async () => {
    const batch: RecordingEvent[] = [];
    const onA = recorderFor('gw-a', 'aaaaaaaa', batch);
    const onB = recorderFor('gw-b', 'bbbbbbbb', batch);
    for (const text of ['a1', 'a2', 'a3', 'a4']) await onA(text);
    await store.insertEvents(batch.splice(0));
    const session = (await store.getSession(base.sessionId))!;
    const source = sessionEventsSource(store, session);
    const opened = await source.read(undefined);
    let { events, cursor } = await readAll(source, opened.cursor);
    expect(events.map((e) => `${e.chain}#${e.seq}`)).toEqual([
      'aaaaaaaa#1',
      'aaaaaaaa#2',
      'aaaaaaaa#3',
      'aaaaaaaa#4',
      'aaaaaaaa#5',
    ]);

    // Gateway b's chain starts now, at seq 1, behind everything streamed so far.
    await onB('b1');
    await onA('a5');
    await onB('b2');
    await store.insertEvents(batch.splice(0));
    ({ events, cursor } = await readAll(source, cursor));
    expect(events.map((e) => `${e.chain}#${e.seq}`).sort()).toEqual(
      ['aaaaaaaa#6', 'bbbbbbbb#1', 'bbbbbbbb#2', 'bbbbbbbb#3'].sort(),
    );

    // Nothing new: nothing passed on again.
    ({ events, cursor } = await readAll(source, cursor));
    expect(events).toEqual([]);
    await onB('b3');
    await store.insertEvents(batch.splice(0));
    ({ events } = await readAll(source, cursor));
    expect(events.map((e) => `${e.chain}#${e.seq}`)).toEqual(['bbbbbbbb#4']);
  }, 30_000);
});
