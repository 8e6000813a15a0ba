import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Zero-padded so that `ls` order is append order; 12 digits outlast any realistic roll rate. */
const DIGITS = 12;
const SEGMENT = /^(\d{12})\.seg$/;
const QUARANTINED = /^(\d{12})\.seg\.corrupt$/;

export function segmentFileName(segment: number): string {
  return `${String(segment).padStart(DIGITS, '0')}.seg`;
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, segmentFileName(segment));
}

export function quarantinePath(dir: string, segment: number): string {
  return `${segmentPath(dir, segment)}.corrupt`;
}

export interface SegmentListing {
  /** Live segments, ascending. */
  readonly segments: number[];
  /** Highest number ever used here, quarantined ones included, so numbers are never reused. */
  readonly highest: number;
}

export async function listSegments(dir: string): Promise<SegmentListing> {
  const segments: number[] = [];
  let highest = 0;
  for (const name of await readdir(dir)) {
    const live = SEGMENT.exec(name);
    const quarantined = QUARANTINED.exec(name);
    const number = Number((live ?? quarantined)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(number)) continue;
    if (live) segments.push(number);
    highest = Math.max(highest, number);
  }
  segments.sort((a, b) => a - b);
  return { segments, highest };
}
