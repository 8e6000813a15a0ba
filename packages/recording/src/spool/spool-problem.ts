import type { SpoolPosition } from './spool-position.js';

/** What the spool found wrong with its own files, and what it did about it. */
export type SpoolProblem =
  /**
   * The last segment ended in a partial record after a crash: normal recovery. The record was
   * never acknowledged (its append had not resolved), so nothing acknowledged is lost.
   */
  | {
      readonly kind: 'torn_tail_truncated';
      readonly segment: number;
      readonly offset: number;
      readonly droppedBytes: number;
      readonly reason: string;
    }
  /**
   * Damage where a crash cannot cause it (a flipped byte, a bad block): the segment was renamed
   * to `path` and is no longer read. Records of it that a sink had not yet read are missing from
   * that sink; `verify` will show them as gaps in the affected sessions.
   */
  | {
      readonly kind: 'segment_quarantined';
      readonly segment: number;
      readonly offset: number;
      readonly reason: string;
      readonly path: string;
      readonly intactRecordsBefore: number;
      /** Sinks whose cursor had not passed the damage, and where they stood. */
      readonly unreadBy: Readonly<Record<string, SpoolPosition>>;
    }
  /** cursors.json could not be parsed: every sink restarts from the oldest segment (re-delivery). */
  | { readonly kind: 'cursors_reset'; readonly reason: string };
