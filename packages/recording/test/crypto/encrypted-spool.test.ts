import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingEvent } from '@airlock/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoFailureReason, LocalKeyFileWrapper, Spool, type SpoolProblem } from '../../src/index.js';
import { readAll, TempDirs, testEvent } from '../spool/spool-fixtures.js';

const MARKER = 'SPOOL-PLAINTEXT-MARKER-91c2';
const dirs = new TempDirs();
let wrapper: LocalKeyFileWrapper;

beforeAll(async () => {
  const keyFile = join(dirs.make('airlock-spool-key-'), 'k');
  await LocalKeyFileWrapper.createKeyFile(keyFile);
  wrapper = await LocalKeyFileWrapper.open(keyFile);
});
afterAll(() => dirs.cleanup());

function secretEvent(seq: number, sessionId = 'session-1'): RecordingEvent {
  const base = testEvent(seq);
  return {
    ...base,
    id: `${sessionId}-${seq}`,
    sessionId,
    message: { jsonrpc: '2.0', id: seq, method: 'tools/call', params: { name: 'echo', text: MARKER } },
  };
}

async function segmentBytes(dir: string): Promise<Buffer> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.seg')).sort();
  return Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
}

describe('encrypted spool', () => {
  it('writes ciphertext only and replays after a restart', async () => {
    const dir = dirs.make();
    const events = [secretEvent(1), secretEvent(2), secretEvent(1, 'session-2'), secretEvent(3)];
    const spool = await Spool.open({ dir, sinks: ['store'], fsync: 'always', encryption: { wrapper } });
    await Promise.all(events.map((e) => spool.append(e)));
    // A sink gets events, never the frames' bytes (ciphertext) as if they were their JSON.
    const fromMemory = await spool.read('store');
    expect(fromMemory.records.map((r) => r.event)).toHaveLength(4);
    expect(fromMemory.records.every((r) => r.json === undefined)).toBe(true);
    await spool.close();

    const onDisk = await segmentBytes(dir);
    expect(onDisk.length).toBeGreaterThan(0);
    expect(onDisk.includes(Buffer.from(MARKER))).toBe(false);
    expect(onDisk.includes(Buffer.from('tools/call'))).toBe(false);

    const reopened = await Spool.open({ dir, sinks: ['store'], encryption: { wrapper } });
    // Order is kept per session (a new session's first append waits for its key).
    const read = await readAll(reopened, 'store');
    expect(read.filter((e) => e.sessionId === 'session-1')).toEqual(
      events.filter((e) => e.sessionId === 'session-1'),
    );
    expect(read.filter((e) => e.sessionId === 'session-2')).toEqual(
      events.filter((e) => e.sessionId === 'session-2'),
    );
    expect(reopened.problems).toEqual([]);
    const fromDisk = await reopened.read('store');
    expect(fromDisk.records).toHaveLength(4);
    expect(fromDisk.records.every((r) => r.json === undefined)).toBe(true);
    await reopened.close();
  });

  it('keeps the append order of each session', async () => {
    const dir = dirs.make();
    const spool = await Spool.open({ dir, sinks: ['store'], encryption: { wrapper } });
    const events = Array.from({ length: 50 }, (_, i) => secretEvent(i + 1, `s${i % 3}`));
    await Promise.all(events.map((e) => spool.append(e)));
    const read = await readAll(spool, 'store');
    for (const id of ['s0', 's1', 's2']) {
      expect(read.filter((e) => e.sessionId === id)).toEqual(events.filter((e) => e.sessionId === id));
    }
    await spool.close();
  });

  it('quarantines and reports a record that fails authentication', async () => {
    const dir = dirs.make();
    const spool = await Spool.open({ dir, sinks: ['store'], fsync: 'always', encryption: { wrapper } });
    for (const seq of [1, 2, 3]) await spool.append(secretEvent(seq));
    await spool.close();
    // Flip a ciphertext byte of the last record and fix its CRC: only GCM can notice.
    const [name] = (await readdir(dir)).filter((n) => n.endsWith('.seg'));
    const path = join(dir, name!);
    const bytes = await readFile(path);
    let offset = 0;
    let last = 0;
    while (offset < bytes.length) {
      last = offset;
      offset += 8 + bytes.readUInt32LE(offset);
    }
    bytes[bytes.length - 1]! ^= 0x01;
    const { crc32 } = await import('node:zlib');
    bytes.writeUInt32LE(crc32(bytes.subarray(last + 8)), last + 4);
    await writeFile(path, bytes);

    const problems: SpoolProblem[] = [];
    const reopened = await Spool.open({
      dir,
      sinks: ['store'],
      encryption: { wrapper },
      onProblem: (p) => problems.push(p),
    });
    const read = await readAll(reopened, 'store');
    expect(read.map((e) => e.seq)).toEqual([1, 2]);
    const quarantined = problems.find((p) => p.kind === 'segment_quarantined');
    expect(quarantined).toMatchObject({ kind: 'segment_quarantined', intactRecordsBefore: 2 });
    expect(quarantined && 'reason' in quarantined ? quarantined.reason : '').toMatch(
      /failed authentication.*event session-1-3/,
    );
    await reopened.close();
  });

  it('refuses to read encrypted records without a key, without quarantining them', async () => {
    const dir = dirs.make();
    const spool = await Spool.open({ dir, sinks: ['store'], encryption: { wrapper } });
    await spool.append(secretEvent(1));
    await spool.close();
    const plain = await Spool.open({ dir, sinks: ['store'] });
    const error = await plain.read('store').catch((e: unknown) => e);
    expect(cryptoFailureReason(error)).toBe('not_configured');
    expect(plain.problems).toEqual([]);
    await plain.close();
  });
});
