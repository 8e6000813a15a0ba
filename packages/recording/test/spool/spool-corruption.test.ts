import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Spool, type SpoolProblem } from '../../src/index.js';
import { readAll, TempDirs, testEvent } from './spool-fixtures.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort();

/** Flips one byte inside the payload of the `index`-th record of a segment file. */
function flipByteInRecord(path: string, index: number): number {
  const bytes = readFileSync(path);
  let offset = 0;
  for (let i = 0; i < index; i += 1) offset += 8 + bytes.readUInt32LE(offset);
  const target = offset + 8 + 20;
  bytes[target] = (bytes[target] as number) ^ 0x01;
  writeFileSync(path, bytes);
  return offset;
}

async function spoolWithSegments(dir: string): Promise<{ seqsBySegment: Map<string, number[]> }> {
  const spool = await Spool.open({ dir, segmentBytes: 4096, sinks: ['store'] });
  const seqsBySegment = new Map<string, number[]>();
  for (let seq = 1; seq <= 40; seq += 1) {
    const position = await spool.append(testEvent(seq, 200));
    const name = `${String(position.segment).padStart(12, '0')}.seg`;
    seqsBySegment.set(name, [...(seqsBySegment.get(name) ?? []), seq]);
  }
  await spool.close();
  return { seqsBySegment };
}

describe('Spool corruption', () => {
  it('quarantines a middle segment with a flipped byte, reports where, and keeps reading later segments', async () => {
    const dir = temp.make();
    const { seqsBySegment } = await spoolWithSegments(dir);
    const names = [...seqsBySegment.keys()];
    expect(names.length).toBeGreaterThanOrEqual(4);
    const victim = names[1] as string;
    const damagedOffset = flipByteInRecord(join(dir, victim), 2);

    const reported: SpoolProblem[] = [];
    const spool = await Spool.open({
      dir,
      segmentBytes: 4096,
      sinks: ['store'],
      onProblem: (p) => reported.push(p),
    });
    expect(reported).toEqual([
      expect.objectContaining({
        kind: 'segment_quarantined',
        segment: Number.parseInt(victim, 10),
        offset: damagedOffset,
        reason: expect.stringContaining('CRC mismatch'),
        intactRecordsBefore: 2,
        path: join(dir, `${victim}.corrupt`),
        unreadBy: { store: { segment: Number.parseInt(names[0] as string, 10), offset: 0 } },
      }),
    ]);
    expect(spool.problems).toEqual(reported);
    expect(existsSync(join(dir, `${victim}.corrupt`))).toBe(true);
    expect(segmentFiles(dir)).not.toContain(victim);

    const expected = names.filter((name) => name !== victim).flatMap((name) => seqsBySegment.get(name) ?? []);
    expect((await readAll(spool, 'store')).map((e) => e.seq)).toEqual(expected);
    // New segments never reuse the quarantined number.
    const position = await spool.append(testEvent(99));
    expect(position.segment).toBeGreaterThan(Number.parseInt(names.at(-1) as string, 10));
    await spool.close();
  });

  it('quarantines the last segment too when intact records follow the damage (not a torn tail)', async () => {
    const dir = temp.make();
    const { seqsBySegment } = await spoolWithSegments(dir);
    const names = [...seqsBySegment.keys()];
    const last = names.at(-1) as string;
    expect(seqsBySegment.get(last)?.length).toBeGreaterThan(1);
    flipByteInRecord(join(dir, last), 0);
    const spool = await Spool.open({ dir, segmentBytes: 4096, sinks: ['store'] });
    expect(spool.problems.map((p) => [p.kind, 'offset' in p ? p.offset : -1])).toEqual([
      ['segment_quarantined', 0],
    ]);
    expect(existsSync(join(dir, `${last}.corrupt`))).toBe(true);
    await spool.close();
  });

  it('quarantines a segment damaged after open when a sink reads it, and continues after it', async () => {
    const dir = temp.make();
    const { seqsBySegment } = await spoolWithSegments(dir);
    const names = [...seqsBySegment.keys()];
    const spool = await Spool.open({ dir, segmentBytes: 4096, sinks: ['store'] });
    expect(spool.problems).toEqual([]);
    const victim = names[2] as string;
    const size = statSync(join(dir, victim)).size;
    flipByteInRecord(join(dir, victim), 0); // bit rot while the process runs

    const seqs = (await readAll(spool, 'store')).map((e) => e.seq);
    expect(seqs).toEqual(
      names.filter((name) => name !== victim).flatMap((name) => seqsBySegment.get(name) ?? []),
    );
    expect(spool.problems).toEqual([
      expect.objectContaining({
        kind: 'segment_quarantined',
        segment: Number.parseInt(victim, 10),
        offset: 0,
      }),
    ]);
    expect(statSync(join(dir, `${victim}.corrupt`)).size).toBe(size);
    await spool.close();
  });
});
