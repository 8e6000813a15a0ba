import type { RecordingEvent } from '@airlock/core';

/**
 * One destination a spool delivers to: the store, Kinesis, or (on the agent) the gateway.
 * `deliver` resolves once the destination holds every event given (they may be sent again after a
 * crash: destinations deduplicate by event id); it rejects when it could not, and the pump tries
 * the same batch again. `name` is the spool sink whose cursor it advances.
 */
export interface DeliverySink {
  readonly name: string;
  /**
   * `json[i]`, when there, is the UTF-8 JSON of `events[i]` exactly as spooled: a sink that sends
   * events as JSON sends those bytes rather than serialising the event again.
   */
  deliver(
    events: readonly RecordingEvent[],
    signal: AbortSignal,
    json?: readonly (Buffer | undefined)[],
  ): Promise<void>;
}
