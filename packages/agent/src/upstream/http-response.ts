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

/** Reads a whole body as UTF-8, refusing more than `maxBytes`. */
export async function readBodyText(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) {
      body.destroy();
      throw new AirlockError(
        'message_too_large',
        `The MCP server sent a body larger than ${maxBytes} bytes.`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length).toString('utf8');
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
    const stop = new Error('stop');
    try {
      await readSseEvents(body, {
        maxEventChars: options.maxMessageBytes,
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        onEvent: async (event) => {
          if (event.id !== undefined) options.onEventId?.(event.id);
          if (event.data.length === 0) return;
          if (await options.deliver(parseJsonRpcMessage(event.data), event.id)) throw stop;
        },
      });
    } catch (error) {
      if (error !== stop) throw error;
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
