import { AirlockError, parseJsonRpcMessage, type JsonRpcMessage, type RelayContext } from '@airlock/core';
import type { TunnelMessage, TunnelStream } from '@airlock/tunnel';
import type { Logger } from 'pino';
import type { MessagePipeline } from './message-pipeline.js';

export interface ServerMessageReaderOptions {
  readonly stream: TunnelStream;
  readonly pipeline: MessagePipeline;
  readonly context: RelayContext;
  /** Warnings and errors only: a modern-era exchange makes the child logger behind it when needed. */
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  /** The method of the client request a server response answers (policy filters e.g. tools/list by it). */
  readonly requestMethodOf: (message: JsonRpcMessage, frame: TunnelMessage) => string | undefined;
  /** A server message policy let pass, with the JSON to send on. */
  readonly deliver: (message: JsonRpcMessage, json: string, frame: TunnelMessage) => void;
  /** Recording or policy failed on a server message: it must not pass, and the caller ends the relay. */
  readonly fail: (error: AirlockError) => void;
}

/**
 * Reads server messages off a tunnel stream at the gateway: parse, then policy and recording, then
 * `deliver`. When a seam answers asynchronously the stream is paused until it has decided, so
 * messages keep their order; the synchronous path allocates no promise.
 */
export function createServerMessageReader(
  options: ServerMessageReaderOptions,
): (frame: TunnelMessage) => void {
  const { stream, pipeline, context, logger } = options;
  return (frame) => {
    const json = frame.data.toString('utf8');
    let message: JsonRpcMessage;
    try {
      message = parseJsonRpcMessage(json);
    } catch (error) {
      logger.warn({ err: error }, 'dropped a server message that is not JSON-RPC');
      return;
    }
    const requestMethod = 'method' in message ? undefined : options.requestMethodOf(message, frame);
    const outcome = pipeline.process(context, message, json, 'server_to_client', {
      requestMethod,
      ...(frame.masking ? { masking: frame.masking } : {}),
    });
    if (!(outcome instanceof Promise)) {
      if (outcome.decision.action === 'pass') options.deliver(message, outcome.json, frame);
      return;
    }
    stream.pause();
    outcome.then(
      (decided) => {
        if (decided.decision.action === 'pass') options.deliver(message, decided.json, frame);
        stream.resume();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'recording or policy failed on a server message; ending the relay');
        options.fail(AirlockError.from(error));
      },
    );
  };
}
