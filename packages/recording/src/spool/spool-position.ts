/**
 * Where a record starts in the spool: its segment number and byte offset in that segment. A
 * sink's cursor is a position too: the first record it has not yet acknowledged.
 */
export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export function comparePositions(a: SpoolPosition, b: SpoolPosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

export function formatPosition(position: SpoolPosition): string {
  return `${position.segment}:${position.offset}`;
}
