import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingEvent, RelayContext } from '@airlock/core';
import { SessionRecorder, Spool } from '@airlock/recording';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ModernRecordingSessions } from '../src/modern-recording-sessions.js';

const IDLE_MS = 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const context: RelayContext = {
  sessionId: 'group-1',
  connection: 'modern-http',
  caller: { subject: 'alice', groups: ['sre'], anonymous: false },
  era: 'modern',
  protocolVersion: '2026-07-28',
};

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A real recorder on a real spool; `ends()` reads back the group's session_end events. */
async function recordingGroups() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-modern-groups-'));
  const spool = await Spool.open({ dir, sinks: ['gateway'], fsync: 'never' });
  cleanup.push(async () => {
    await spool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const recorder = new SessionRecorder({ spool, source: 'agent', agentId: 'agent-1' });
  const groups = new ModernRecordingSessions(recorder, IDLE_MS, pino({ enabled: false }));
  const ends = async (): Promise<RecordingEvent[]> => {
    const batch = await spool.read('gateway', undefined, 1000);
    return batch.records.map((r) => r.event).filter((e) => e.kind === 'session_end');
  };
  return { groups, ends };
}

describe('ModernRecordingSessions (agent side of a modern recording group)', () => {
  it('never expires a group while one of its exchanges runs, however long', async () => {
    const { groups, ends } = await recordingGroups();
    const listening = groups.begin(context); // e.g. subscriptions/listen
    await sleep(IDLE_MS * 4);
    expect(await ends()).toEqual([]);
    listening();
    await sleep(IDLE_MS * 3);
    expect((await ends()).map((e) => [e.sessionId, e.end?.reason])).toEqual([['group-1', 'expired']]);
  });

  it('waits for the last of overlapping exchanges, and a new one within the window keeps it open', async () => {
    const { groups, ends } = await recordingGroups();
    const first = groups.begin(context);
    const second = groups.begin(context);
    first();
    await sleep(IDLE_MS * 2);
    expect(await ends()).toEqual([]); // the second still runs
    second();
    await sleep(IDLE_MS / 2);
    const third = groups.begin(context); // back within the idle window: same group, no end
    await sleep(IDLE_MS * 2);
    expect(await ends()).toEqual([]);
    third();
    third(); // finishing twice counts once
    await sleep(IDLE_MS * 3);
    expect(await ends()).toHaveLength(1);
  });

  it('ends every open group at shutdown with the reason given', async () => {
    const { groups, ends } = await recordingGroups();
    groups.begin(context);
    groups.begin({ ...context, sessionId: 'group-2' })();
    await groups.endAll('agent_shutdown');
    expect((await ends()).map((e) => [e.sessionId, e.end?.reason]).sort()).toEqual([
      ['group-1', 'agent_shutdown'],
      ['group-2', 'agent_shutdown'],
    ]);
  });
});
