import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseReadOptions {
  /** Largest single event accepted (characters of data), to bound memory. */
  readonly maxEventChars: number;
  /** Called once per event, in order; the body is not read further until it resolves. */
  readonly onEvent: (event: EventSourceMessage) => Promise<void>;
  /** The server's `retry:` hint, for reconnecting a GET stream. */
  readonly onRetry?: (ms: number) => void;
}

/**
 * Reads a `text/event-stream` body event by event. Pull-based (`for await`), so while `onEvent`
 * waits the socket is not read and TCP flow control pushes back on the server.
 * Resolves when the body ends; rejects on a transport error or an oversized event.
 */
export async function readSseEvents(body: Readable, options: SseReadOptions): Promise<void> {
  const events: EventSourceMessage[] = [];
  let parseError: Error | undefined;
  const parser = createParser({
    maxBufferSize: options.maxEventChars,
    onEvent: (event) => events.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') parseError = error;
    },
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const decoder = new TextDecoder();
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (parseError) throw parseError;
    for (let i = 0; i < events.length; i++) await options.onEvent(events[i]!);
    events.length = 0;
  }
  parser.feed(decoder.decode());
  // A stream cut mid-event leaves an incomplete event, which SSE discards.
  for (const event of events) await options.onEvent(event);
}
