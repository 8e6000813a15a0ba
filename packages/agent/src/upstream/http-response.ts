import type { Readable } from 'node:stream';
import {
  AirlockError,
  assertJsonRpcMessage,
  errorResponse,
  MAX_JSON_DEPTH,
  parseJsonRpcMessage,
  parseUntrustedJson,
  type JsonRpcId,
  type JsonRpcMessage,
} from '@airlock/core';
import type { IncomingHttpHeaders } from 'node:http';
import { readSseEvents } from './sse-reader.js';

/** How much of an error body goes into a synthesized error message. */
const EXCERPT_CHARS = 300;

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isEventStream(headers: IncomingHttpHeaders): boolean {
  return headerValue(headers, 'content-type')?.toLowerCase().startsWith('text/event-stream') ?? false;
}

/**
 * Reads a whole body as UTF-8, refusing more than `maxBytes`. With 'data' and 'end' listeners, not
 * `for await`: the async iterator (and the end-of-stream watcher it sets up) cost about 40 µs per
 * JSON answer under load, once per 2026-07-28 request.
 */
export function readBodyText(body: Readable, maxBytes: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    if (body.destroyed) {
      reject(body.errored ?? prematureClose());
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const settle = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      // Whatever the body does after this (an error while it is torn down) is no news to anyone.
      body.on('error', ignore);
    };
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > maxBytes) {
        settle();
        body.destroy();
        reject(
          new AirlockError('message_too_large', `The MCP server sent a body larger than ${maxBytes} bytes.`),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      resolve(Buffer.concat(chunks, length).toString('utf8'));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    // Closed without its end (destroyed, the connection lost) and without an error: as `for await` does.
    const onClose = (): void => {
      settle();
      reject(prematureClose());
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

const ignore = (): void => undefined;

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** One JSON-RPC message, or a 2025-03-26 batch of them. */
function parsePayload(text: string): JsonRpcMessage[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    // Text starting with "[" that parses is an array; each message in it may nest as deep as one alone.
    const batch = parseUntrustedJson(trimmed, { maxDepth: MAX_JSON_DEPTH + 1 }) as unknown[];
    return batch.map(assertJsonRpcMessage);
  }
  return [parseJsonRpcMessage(text)];
}

/** Thrown out of the event reader once the awaited response arrived: one object, no stack to capture. */
const STOP_READING = Object.freeze({ stopReading: true });

export interface RelayBodyOptions {
  readonly maxMessageBytes: number;
  /** Called per message in order; returning true stops reading (the awaited response arrived). */
  readonly deliver: (message: JsonRpcMessage, eventId: string | undefined) => Promise<boolean>;
  /** Every SSE event id, priming events (no data) included: where a resume would start. */
  readonly onEventId?: (eventId: string) => void;
  /** The server's SSE `retry:` hint, milliseconds. */
  readonly onRetry?: (ms: number) => void;
}

/**
 * Relays a successful POST response: a JSON body (one message) or an SSE stream (one message per
 * event). SSE events without data (2025-11-25 priming events, keep-alives) carry no message.
 */
export async function relayResponseBody(
  headers: IncomingHttpHeaders,
  body: Readable,
  options: RelayBodyOptions,
): Promise<void> {
  if (isEventStream(headers)) {
    try {
      await readSseEvents(body, {
        maxEventChars: options.maxMessageBytes,
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        onEvent: async (event) => {
          if (event.id !== undefined) options.onEventId?.(event.id);
          if (event.data.length === 0) return;
          if (await options.deliver(parseJsonRpcMessage(event.data), event.id)) throw STOP_READING;
        },
      });
    } catch (error) {
      if (error !== STOP_READING) throw error;
      body.destroy();
    }
    return;
  }
  const text = await readBodyText(body, options.maxMessageBytes);
  if (text.trim().length === 0) return;
  for (const message of parsePayload(text)) {
    if (await options.deliver(message, undefined)) return;
  }
}

/**
 * The message to relay for a non-2xx answer: the server's own JSON-RPC error when the body is
 * one (the client then sees exactly what the server said), otherwise a synthesized error naming
 * the connection, the status and a short excerpt of the body. `undefined` when there is nothing
 * to answer (the POST carried a notification or a response).
 */
export function errorAnswer(
  connection: string,
  status: number,
  text: string,
  requestId: JsonRpcId | undefined,
): JsonRpcMessage | undefined {
  try {
    const message = parseJsonRpcMessage(text);
    // Passed through as sent, `"id": null` included: a relay must not improve on its upstream
    // (the gateway takes a null-id error on a POST as that POST's answer).
    if ('error' in message) return message;
  } catch {
    // Not JSON-RPC: fall through to a synthesized error.
  }
  if (requestId === undefined) return undefined;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
  return upstreamFailure(
    requestId,
    `The MCP server for connection "${connection}" answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}.`,
    { status },
  );
}

/** A JSON-RPC error response for a request the upstream could not answer. */
export function upstreamFailure(
  id: JsonRpcId,
  message: string,
  data: Record<string, unknown> = {},
): JsonRpcMessage {
  return errorResponse(id, new AirlockError('upstream_failed', message, { data }).toJsonRpcError());
}
