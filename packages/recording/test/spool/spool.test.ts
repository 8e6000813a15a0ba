import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '@airlock/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { nodeSpoolIo, Spool, type SpoolIo } from '../../src/index.js';
import { spooledAt, type SpoolRecord } from '../../src/spool/spool.js';
import { drain, readAll, TempDirs, testEvent } from './spool-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort();

describe('Spool', () => {
  it('reads appended events per sink, and replays from the cursors after a reopen', async () => {
    const dir = temp.make();
    let spool = await Spool.open({ dir });
    const positions = await Promise.all([1, 2, 3, 4, 5, 6].map((seq) => spool.append(testEvent(seq))));
    expect(positions.map((p) => p.offset)).toEqual([...positions.map((p) => p.offset)].sort((a, b) => a - b));

    const first = await spool.read('store', undefined, 4);
    expect(first.records.map((r) => r.event.seq)).toEqual([1, 2, 3, 4]);
    expect(first.records[0]?.position).toEqual(positions[0]);
    await spool.ack('store', first.next);
    await spool.close();

    spool = await Spool.open({ dir });
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual([5, 6]);
    expect((await readAll(spool, 'kinesis')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await spool.append(testEvent(7));
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual([5, 6, 7]);
    await spool.close();
  });

  it('rolls segments at the size limit and deletes a segment once every sink has acknowledged it', async () => {
    const dir = temp.make();
    let spool = await Spool.open({ dir, segmentBytes: 4096 });
    for (let seq = 1; seq <= 60; seq += 1) await spool.append(testEvent(seq, 200));
    const before = segmentFiles(dir);
    expect(before.length).toBeGreaterThan(4);
    for (const name of before) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(4096);

    expect((await drain(spool, 'store')).map((e) => e.seq)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(segmentFiles(dir)).toEqual(before); // kinesis has not read anything yet

    const half = await spool.read('kinesis', undefined, 30);
    await spool.ack('kinesis', half.next);
    expect(segmentFiles(dir)).toEqual(before); // acknowledgements reach the disk in batches
    await spool.flushCursors();
    const kept = segmentFiles(dir);
    expect(kept.length).toBeLessThan(before.length);
    expect(kept.length).toBeGreaterThan(1);
    await spool.close();

    // The cursors survived: after a restart kinesis continues at 31 and store has nothing left.
    spool = await Spool.open({ dir, segmentBytes: 4096 });
    expect(await readAll(spool, 'store')).toEqual([]);
    expect((await drain(spool, 'kinesis')).map((e) => e.seq)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 31),
    );
    await spool.flushCursors();
    expect(segmentFiles(dir)).toHaveLength(1); // only the new active segment
    await spool.close();
  });

  it('serves a caught-up sink the events it just appended from memory, and older ones from disk', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, sinks: ['store'], tailBytes: 4096 });
    for (let seq = 1; seq <= 40; seq += 1) await spool.append(testEvent(seq, 200));
    // Damage the whole file after the appends: records still in memory read intact from there,
    // older ones come from disk, find the damage and quarantine the segment.
    const [segment] = segmentFiles(dir);
    writeFileSync(
      join(dir, segment as string),
      Buffer.alloc(statSync(join(dir, segment as string)).size, 0x55),
    );
    const tail = await spool.read('store', undefined, 100);
    expect(tail.records).toEqual([]); // from the cursor (the first record): not in memory any more
    expect(spool.problems).toEqual([expect.objectContaining({ kind: 'segment_quarantined', offset: 0 })]);
    await spool.close();

    // Within the budget: every read is answered from memory, with the same events a disk read gives.
    const dir2 = temp.make();
    const second = await Spool.open({ dir: dir2, sinks: ['store'] });
    const appended = Array.from({ length: 40 }, (_, i) => testEvent(i + 1, 200));
    for (const event of appended) await second.append(event);
    const [segment2] = segmentFiles(dir2);
    const bytes = readFileSync(join(dir2, segment2 as string));
    writeFileSync(join(dir2, segment2 as string), Buffer.alloc(bytes.length, 0x55));
    expect((await drain(second, 'store')).map((e) => e.seq)).toEqual(appended.map((e) => e.seq));
    expect(second.problems).toEqual([]);
    writeFileSync(join(dir2, segment2 as string), bytes);
    await second.close();
    const reopened = await Spool.open({ dir: dir2, sinks: ['store'], cursorPersistMs: 0 });
    expect(await readAll(reopened, 'store')).toEqual([]); // acknowledged before close
    await reopened.close();
  });

  it("hands sinks each event's JSON as spooled when it reads the records from disk", async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, sinks: ['a', 'b'], tailBytes: 4096 });
    const appended = Array.from({ length: 20 }, (_, i) => testEvent(i + 1, 200));
    // As the recorder appends: with the bytes it hashed (key order its own), and without.
    const given = appended.map((event, i) =>
      i % 2 === 0
        ? Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(event).reverse())), 'utf8')
        : undefined,
    );
    for (const [i, event] of appended.entries()) await spool.append(event, given[i]);
    const expected = appended.map((event, i) => given[i] ?? Buffer.from(JSON.stringify(event), 'utf8'));
    // 'b' reads all from disk (the tail holds only the newest); 'a' the newest, from memory.
    const all = await spool.read('b', undefined, 100);
    expect(all.records).toHaveLength(20);
    const fromDisk = all.records.filter((r) => r.json !== undefined);
    expect(fromDisk).toHaveLength(20);
    for (const record of fromDisk) {
      expect(record.json?.equals(expected[record.event.seq - 1] as Buffer)).toBe(true);
      expect(JSON.parse(record.json?.toString('utf8') ?? 'null')).toEqual(record.event);
    }
    const recent = await spool.read('a', (await spool.read('a', undefined, 15)).next, 100);
    expect(recent.records.map((r) => r.event.seq)).toEqual([16, 17, 18, 19, 20]);
    expect(recent.records.every((r) => r.json === undefined)).toBe(true);
    await spool.close();
  });

  it('keeps in memory only what some sink has yet to acknowledge', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, sinks: ['a', 'b'] });
    for (let seq = 1; seq <= 10; seq += 1) await spool.append(testEvent(seq, 200));
    const start = spool.cursor('b');
    const first = await spool.read('a', undefined, 100);
    await spool.ack('a', first.next);
    // 'b' has acknowledged nothing: all ten are still answered from memory (no spooled JSON).
    const lagging = await spool.read('b', undefined, 100);
    expect(lagging.records.map((r) => r.event.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(lagging.records.every((r) => r.json === undefined)).toBe(true);
    await spool.ack('b', lagging.records[4]?.next ?? start);
    // Both passed the first five: those are read from disk now, the other five from memory.
    const again = await spool.read('b', start, 5);
    expect(again.records.map((r) => r.event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(again.records.every((r) => r.json !== undefined)).toBe(true);
    const rest = await spool.read('b', undefined, 100);
    expect(rest.records.map((r) => r.event.seq)).toEqual([6, 7, 8, 9, 10]);
    expect(rest.records.every((r) => r.json === undefined)).toBe(true);
    await spool.close();
  });

  it('writes a large record after its header without copying it, across writes the disk cuts short', async () => {
    const dir = temp.make();
    const seen: Buffer[] = [];
    // A disk that takes at most 100 KiB per write(2), as a pipe or a throttled device may.
    const io: SpoolIo = {
      ...nodeSpoolIo,
      writev: (file, buffers, position) => {
        seen.push(...buffers);
        const taken: Buffer[] = [];
        let room = 100 * 1024;
        for (const buffer of buffers) {
          if (room === 0) break;
          const part = buffer.subarray(0, Math.min(buffer.length, room));
          taken.push(part);
          room -= part.length;
        }
        return nodeSpoolIo.writev(file, taken, position);
      },
    };
    const spool = await Spool.open({ dir, io, sinks: ['store'], tailBytes: 0 });
    const events = [testEvent(1, 100), testEvent(2, 300 * 1024), testEvent(3, 100)];
    const json = events.map((event) => Buffer.from(JSON.stringify(event), 'utf8'));
    for (const [i, event] of events.entries()) await spool.append(event, json[i]);
    // The large payload went to write(2) as the very buffer appended; the small ones were framed.
    expect(seen).toContain(json[1]);
    expect(seen).not.toContain(json[0]);
    const read = await spool.read('store', undefined, 10);
    expect(read.records.map((r) => r.event)).toEqual(events);
    expect(read.records.map((r) => r.json?.equals(json[r.event.seq - 1] as Buffer))).toEqual([
      true,
      true,
      true,
    ]);
    await spool.close();
    // And on disk as recovery reads it: every frame whole, nothing damaged.
    const reopened = await Spool.open({ dir, sinks: ['store'] });
    expect(reopened.problems).toEqual([]);
    expect((await readAll(reopened, 'store')).map((e) => e.seq)).toEqual([1, 2, 3]);
    await reopened.close();
  });

  it('parses a large record read from disk only when its event is asked for', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, sinks: ['store'], tailBytes: 0 });
    const events = [testEvent(1, 100), testEvent(2, 2 * 1024 * 1024), testEvent(3, 100)];
    for (const event of events) await spool.append(event);
    const [small, large, after] = (await spool.read('store', undefined, 10)).records;
    // The large one comes as its bytes; its time is not known until it is parsed.
    expect(spooledAt(small as SpoolRecord)).toBe(events[0]?.at);
    expect(spooledAt(large as SpoolRecord)).toBeUndefined();
    expect(large?.json?.equals(Buffer.from(JSON.stringify(events[1]), 'utf8'))).toBe(true);
    expect(large?.event).toEqual(events[1]);
    expect(spooledAt(large as SpoolRecord)).toBe(events[1]?.at);
    expect(after?.event).toEqual(events[2]);
    await spool.close();
  });

  it('writes acknowledgements to disk at most every cursorPersistMs, and at close', async () => {
    const dir = temp.make();
    const cursorsOnDisk = () =>
      (JSON.parse(readFileSync(join(dir, 'cursors.json'), 'utf8')) as { cursors: Record<string, unknown> })
        .cursors['store'];
    const spool = await Spool.open({ dir, sinks: ['store'], cursorPersistMs: 200 });
    const opened = cursorsOnDisk();
    for (let seq = 1; seq <= 10; seq += 1) await spool.append(testEvent(seq));
    const batch = await spool.read('store', undefined, 5);
    await spool.ack('store', batch.next);
    expect(spool.cursor('store')).toEqual(batch.next); // in memory at once
    expect(cursorsOnDisk()).toEqual(opened); // on disk later: a crash now re-delivers 1..5
    await vi.waitFor(() => expect(cursorsOnDisk()).toEqual(batch.next), { timeout: 2_000, interval: 20 });

    const rest = await spool.read('store');
    await spool.ack('store', rest.next);
    await spool.close(); // does not wait for the timer
    expect(cursorsOnDisk()).toEqual(rest.next);
  });

  it('wakes a sink waiting for records when an append is committed, and when the spool closes', async () => {
    const spool = await Spool.open({ dir: temp.make(), sinks: ['store'] });
    expect((await spool.read('store')).records).toEqual([]);
    let woken = false;
    const waiting = spool.nextAppend().then(() => (woken = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toBe(false);
    await spool.append(testEvent(1));
    await waiting;
    expect((await spool.read('store')).records.map((r) => r.event.seq)).toEqual([1]);
    const atClose = spool.nextAppend();
    await spool.close();
    await atClose;
  });

  it('gives a record larger than a segment a segment of its own', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir, segmentBytes: 4096, sinks: ['store'] });
    await spool.append(testEvent(1));
    await spool.append(testEvent(2, 10_000));
    await spool.append(testEvent(3));
    expect(segmentFiles(dir)).toHaveLength(3);
    expect((await readAll(spool, 'store')).map((e) => [e.seq, JSON.stringify(e).length > 10_000])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    await spool.close();
  });

  it('truncates a torn record at the end of the last segment and reports it at open', async () => {
    const dir = temp.make();
    let spool = await Spool.open({ dir, sinks: ['store'] });
    for (let seq = 1; seq <= 5; seq += 1) await spool.append(testEvent(seq));
    await spool.close();
    const last = join(dir, segmentFiles(dir).at(-1) as string);
    const intact = statSync(last).size;
    // A crash in the middle of a write: a header announcing 500 bytes, 20 of them written.
    const header = Buffer.alloc(8);
    header.writeUInt32LE(500, 0);
    appendFileSync(last, Buffer.concat([header, Buffer.alloc(20, 'a')]));

    spool = await Spool.open({ dir, sinks: ['store'] });
    expect(spool.problems).toEqual([
      expect.objectContaining({ kind: 'torn_tail_truncated', offset: intact, droppedBytes: 28 }),
    ]);
    expect(statSync(last).size).toBe(intact);
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await spool.close();
  });

  it('treats a zero-filled tail (blocks allocated but never written) as a torn tail', async () => {
    const dir = temp.make();
    let spool = await Spool.open({ dir, sinks: ['store'] });
    await spool.append(testEvent(1));
    await spool.close();
    appendFileSync(join(dir, segmentFiles(dir).at(-1) as string), Buffer.alloc(4096));
    spool = await Spool.open({ dir, sinks: ['store'] });
    expect(spool.problems.map((p) => p.kind)).toEqual(['torn_tail_truncated']);
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual([1]);
    await spool.close();
  });

  it('refuses a second process on the same directory', async () => {
    const dir = temp.make();
    const spool = await Spool.open({ dir });
    await expect(Spool.open({ dir })).rejects.toSatisfy(
      (error) => AirlockError.is(error, 'config_invalid') && error.message.includes('in use by process'),
    );
    await spool.close();
    await (await Spool.open({ dir })).close();
  });

  it('bounds the writer queue: appends beyond it are refused, not buffered without limit', async () => {
    const dir = temp.make();
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const slowIo: SpoolIo = {
      ...nodeSpoolIo,
      writev: async (file, buffers, position) => {
        await stalled;
        return nodeSpoolIo.writev(file, buffers, position);
      },
    };
    const spool = await Spool.open({ dir, io: slowIo, maxQueueBytes: 8 * 1024, sinks: ['store'] });
    const appends = Array.from({ length: 100 }, (_, i) => spool.append(testEvent(i + 1, 200)));
    const outcomes = Promise.allSettled(appends);
    release();
    const settled = await outcomes;
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused.length).toBeGreaterThan(50);
    for (const outcome of refused) {
      expect(AirlockError.is((outcome as PromiseRejectedResult).reason, 'recording_unavailable')).toBe(true);
    }
    const accepted = settled.filter((s) => s.status === 'fulfilled').length;
    expect(await readAll(spool, 'store')).toHaveLength(accepted);
    await spool.close();
  });

  it('under "always" an append resolves only after an fsync; under "interval" before it, synced soon after', async () => {
    const syncsAt: number[] = [];
    const countingIo = (log: string[]): SpoolIo => ({
      ...nodeSpoolIo,
      writev: async (file, buffers, position) => {
        const written = await nodeSpoolIo.writev(file, buffers, position);
        log.push('write');
        return written;
      },
      sync: async (file) => {
        await nodeSpoolIo.sync(file);
        log.push('sync');
        syncsAt.push(Date.now());
      },
    });

    const alwaysLog: string[] = [];
    const always = await Spool.open({ dir: temp.make(), fsync: 'always', io: countingIo(alwaysLog) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => always.append(testEvent(i))));
    await always.append(testEvent(51)).then(() => alwaysLog.push('resolved'));
    expect(alwaysLog.slice(-3)).toEqual(['write', 'sync', 'resolved']);
    // Group commit: 51 appends, far fewer fsyncs.
    expect(alwaysLog.filter((entry) => entry === 'sync').length).toBeLessThan(20);
    await always.close();

    const intervalLog: string[] = [];
    const interval = await Spool.open({
      dir: temp.make(),
      fsync: 'interval',
      fsyncIntervalMs: 30,
      io: countingIo(intervalLog),
    });
    const appendedAt = Date.now();
    await interval.append(testEvent(1)).then(() => intervalLog.push('resolved'));
    expect(intervalLog).toEqual(['write', 'resolved']);
    // The flush follows on its own, about fsyncIntervalMs later (generous bound for a busy machine).
    await vi.waitFor(() => expect(intervalLog).toEqual(['write', 'resolved', 'sync']), { timeout: 2000 });
    expect((syncsAt.at(-1) as number) - appendedAt).toBeGreaterThanOrEqual(25);
    await interval.close();
  });
});
