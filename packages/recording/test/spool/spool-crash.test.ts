import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyChain, type RecordingEvent } from '@airlock/core';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex, Spool } from '../../src/index.js';
import { readAll, TempDirs } from './spool-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

// The child runs the built package (`tsc -b packages/recording` first): a real separate process.
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const CHILD = `
import { SessionRecorder, Spool } from ${JSON.stringify(pathToFileURL(DIST).href)};
const dir = process.argv[2];
const spool = await Spool.open({ dir, segmentBytes: 64 * 1024, fsync: 'interval' });
const recorder = new SessionRecorder({ spool, source: 'gateway', mode: 'strict', gatewayId: 'gw-1' });
const caller = { subject: 'alice', groups: ['dev'], anonymous: false };
let next = 1;
async function worker() {
  for (;;) {
    const id = next++;
    const context = { sessionId: 'session-' + (id % 3), connection: 'github', caller, era: 'legacy', protocolVersion: '2025-06-18' };
    const message = { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(300) } } };
    await recorder.record(context, { source: 'gateway', direction: 'client_to_server', message, at: Date.now() });
    process.stdout.write('ack ' + id + '\\n'); // a pipe: written synchronously on Linux
  }
}
process.stdout.write('ready\\n');
for (let i = 0; i < 16; i += 1) void worker();
`;

describe('Spool after kill -9', () => {
  it('keeps every acknowledged event, truncates a torn tail and leaves no gap in any chain', async () => {
    expect(existsSync(DIST), `build first: npx tsc -b packages/recording (${DIST})`).toBe(true);
    const dir = temp.make();
    const script = join(temp.make('airlock-spool-child-'), 'child.mjs');
    writeFileSync(script, CHILD);
    const child = spawn(process.execPath, [script, join(dir, 'spool')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<number>();
    const lines = createInterface({ input: child.stdout });
    const closed = new Promise<void>((resolve) => lines.once('close', resolve));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      lines.on('line', (line) => {
        if (!line.startsWith('ack ')) return;
        acked.add(Number(line.slice(4)));
        if (acked.size === 4000) {
          child.kill('SIGKILL'); // mid-stream: 16 records are in flight at any moment
          resolve();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    await closed; // every line the child wrote before it died

    // A crash in the middle of a write(2): half a frame at the end of the last segment.
    const spoolDir = join(dir, 'spool');
    const last = readdirSync(spoolDir)
      .filter((name) => name.endsWith('.seg'))
      .sort()
      .at(-1) as string;
    const header = Buffer.alloc(8);
    header.writeUInt32LE(400, 0);
    appendFileSync(join(spoolDir, last), Buffer.concat([header, Buffer.from('{"schema":1,"id":"torn')]));

    const spool = await Spool.open({ dir: spoolDir, segmentBytes: 64 * 1024 });
    expect(spool.problems).toEqual([
      expect.objectContaining({ kind: 'torn_tail_truncated', droppedBytes: 30 }),
    ]);
    const events = await readAll(spool, 'store');
    expect(readdirSync(spoolDir).filter((name) => name.endsWith('.seg')).length).toBeGreaterThan(3);

    const recordedIds = new Set(
      events.filter((e) => e.kind === 'message').map((e) => e.message && 'id' in e.message && e.message.id),
    );
    const missing = [...acked].filter((id) => !recordedIds.has(id));
    expect(missing).toEqual([]);

    const bySession = new Map<string, RecordingEvent[]>();
    for (const event of events)
      bySession.set(event.sessionId, [...(bySession.get(event.sessionId) ?? []), event]);
    expect([...bySession.keys()].sort()).toEqual(['session-0', 'session-1', 'session-2']);
    for (const chain of bySession.values()) {
      expect(verifyChain(chain, sha256Hex)).toEqual([]);
      expect(chain.map((e) => e.seq)).toEqual(chain.map((_, i) => i + 1)); // spool order is seq order
      expect(chain[0]?.kind).toBe('session_start');
    }
    await spool.close();
  });
});
