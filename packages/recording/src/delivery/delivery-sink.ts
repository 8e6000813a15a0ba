import type { RecordingEvent } from '@airlock/core';

/** One event to deliver: the event, and its UTF-8 JSON as the spool holds it. */
export interface DeliveryRecord {
  readonly event: RecordingEvent;
  /** Send this rather than serialising `event` again: it is the exact recorded text. */
  readonly json: Buffer;
}

/**
 * One destination a spool delivers to: the store, Kinesis, or (on the agent) the gateway.
 * `deliver` resolves once the destination holds every event given (they may be sent again after a
 * crash: destinations deduplicate by event id); it rejects when it could not, and the pump tries
 * the same batch again. `name` is the spool sink whose cursor it advances.
 */
export interface DeliverySink {
  readonly name: string;
  deliver(records: readonly DeliveryRecord[], signal: AbortSignal): Promise<void>;
}
