import type { SpooledEvent } from '@airlock/core';

/**
 * One destination a spool delivers to: the store, Kinesis, or (on the agent) the gateway.
 * `deliver` resolves once the destination holds every event given (they may be sent again after a
 * crash: destinations deduplicate by event id); it rejects when it could not, and the pump tries
 * the same batch again. `name` is the spool sink whose cursor it advances.
 */
export interface DeliverySink {
  readonly name: string;
  /**
   * A record's `json`, when there, is its event's UTF-8 JSON exactly as spooled: a sink that sends
   * events as JSON sends those bytes rather than serialising the event again, and does not read
   * `event` (which may parse them).
   */
  deliver(records: readonly SpooledEvent[], signal: AbortSignal): Promise<void>;
}
