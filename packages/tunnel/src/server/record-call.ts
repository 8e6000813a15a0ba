import type * as grpc from '@grpc/grpc-js';
import {
  AirlockError,
  MAX_JSON_DEPTH,
  parseUntrustedJson,
  READABLE_SCHEMA_VERSIONS,
  type RecordingEvent,
} from '@airlock/core';
import type { Logger } from 'pino';
import type { RecordRequest__Output } from '../generated/airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse } from '../generated/airlock/tunnel/v1/RecordResponse.js';
import { failureToWire } from '../proto/wire-mapping.js';

/** Stores one batch of an agent's recording events; resolves once they are durable. */
export type RecordHandler = (agentId: string, events: RecordingEvent[]) => Promise<void>;

/**
 * Parses one batch and checks that every event is the calling agent's own: an agent may only
 * speak for itself, never insert events as the gateway or as another agent.
 */
export function parseAgentEvents(agentId: string, payloads: readonly Buffer[]): RecordingEvent[] {
  return payloads.map((payload, index) => {
    let event: unknown;
    try {
      // Bounded like every message: the event wraps one, a few levels up.
      event = parseUntrustedJson(payload.toString('utf8'), { maxDepth: MAX_JSON_DEPTH + 4 });
    } catch (cause) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${index} of the batch was refused: ${(cause as Error).message}`,
        { cause },
      );
    }
    const e = event as Partial<RecordingEvent> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      !READABLE_SCHEMA_VERSIONS.includes(e.schema as number) ||
      typeof e.id !== 'string' ||
      typeof e.sessionId !== 'string' ||
      !Number.isSafeInteger(e.seq) ||
      typeof e.hash !== 'string'
    ) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${index} of the batch is not a recording event (schema 1 or 2).`,
      );
    }
    if (e.source !== 'agent' || e.agentId !== agentId) {
      throw new AirlockError(
        'invalid_request',
        `Recording event ${e.id} claims source "${String(e.source)}" and agent "${String(e.agentId)}"; agent "${agentId}" may only send its own events.`,
      );
    }
    return e as RecordingEvent;
  });
}

/**
 * The gateway's side of one Record call: batches are stored one after another, in order, and each
 * is answered with its batch id (plus a failure when it was not stored).
 */
export function serveRecordCall(
  call: grpc.ServerDuplexStream<RecordRequest__Output, RecordResponse>,
  agentId: string,
  onRecord: RecordHandler | undefined,
  logger: Logger,
): void {
  let queue: Promise<void> = Promise.resolve();
  let ended = false;
  call.on('error', () => {
    ended = true;
  });
  call.on('cancelled', () => {
    ended = true;
  });
  call.on('data', (request: RecordRequest__Output) => {
    queue = queue.then(async () => {
      let response: RecordResponse;
      try {
        if (!onRecord) {
          throw new AirlockError(
            'recording_unavailable',
            'This gateway does not accept recording events; the agent keeps them in its spool.',
          );
        }
        await onRecord(agentId, parseAgentEvents(agentId, request.events));
        response = { batchId: request.batchId };
      } catch (error) {
        const failure = AirlockError.from(error, 'recording_unavailable');
        logger.warn(
          { agentId, batchId: request.batchId, code: failure.code, reason: failure.message },
          "could not store an agent's recording events",
        );
        response = { batchId: request.batchId, failure: failureToWire(failure) };
      }
      if (!ended) call.write(response);
    });
  });
  call.on('end', () => {
    void queue.then(() => {
      if (!ended) call.end();
    });
  });
}
