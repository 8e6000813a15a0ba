// Original file: proto/airlock/tunnel/v1/tunnel.proto


/**
 * Agent → gateway on a Record stream: one batch of recording events.
 */
export interface RecordRequest {
  /**
   * Chosen by the agent; echoed in the RecordResponse.
   */
  'batchId'?: (string);
  /**
   * Each a recording event (schema in packages/core recording-event.ts) as UTF-8 JSON. Every event
   * must have source "agent" and the calling agent's id, or the batch is refused.
   */
  'events'?: (Buffer | Uint8Array | string)[];
}

/**
 * Agent → gateway on a Record stream: one batch of recording events.
 */
export interface RecordRequest__Output {
  /**
   * Chosen by the agent; echoed in the RecordResponse.
   */
  'batchId': (string);
  /**
   * Each a recording event (schema in packages/core recording-event.ts) as UTF-8 JSON. Every event
   * must have source "agent" and the calling agent's id, or the batch is refused.
   */
  'events': (Buffer)[];
}
