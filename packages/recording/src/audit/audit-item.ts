import type { ChainBreak, RecordingEvent, RecordingSource } from '@airlock/core';

/** What the audit consumer yields, in the order it can vouch for. */
export type AuditItem = AuditEventItem | AuditChainBreakItem | AuditChainJoinedItem | AuditInvalidRecordItem;

/** One event, once, in `seq` order within its (session, source) chain. */
export interface AuditEventItem {
  readonly type: 'event';
  readonly event: RecordingEvent;
  /** False when a chain break about this event was yielded just before it. */
  readonly verified: boolean;
}

/** The chain of a (session, source) is broken here: tampering, loss, or a conflicting event. */
export interface AuditChainBreakItem {
  readonly type: 'chain_break';
  readonly sessionId: string;
  readonly source: RecordingSource;
  readonly break: ChainBreak;
}

/**
 * The consumer started following a chain after its beginning (reading from "now"): the first
 * event's `prevHash` cannot be checked, everything after it is.
 */
export interface AuditChainJoinedItem {
  readonly type: 'chain_joined';
  readonly sessionId: string;
  readonly source: RecordingSource;
  readonly seq: number;
}

/** A record that is neither an event nor a chunk of one, or a chunked event that never completed. */
export interface AuditInvalidRecordItem {
  readonly type: 'invalid_record';
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly reason: string;
}
