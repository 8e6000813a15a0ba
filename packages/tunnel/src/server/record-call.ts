import type * as grpc from '@grpc/grpc-js';
import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import type { RecordRequest__Output } from '../generated/airlock/tunnel/v1/RecordRequest.js';
import type { RecordResponse } from '../generated/airlock/tunnel/v1/RecordResponse.js';
import { failureToWire } from '../proto/wire-mapping.js';

/**
 * Stores one batch of an agent's recording events, given as the JSON bytes the agent sent; resolves
 * once they are durable. The handler parses them and must refuse any event that is not the calling
 * agent's own (the gateway's store does, in its own thread: see insertAgentEvents).
 */
export type RecordHandler = (agentId: string, payloads: readonly Buffer[]) => Promise<void>;

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
        await onRecord(agentId, request.events);
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
