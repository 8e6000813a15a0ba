import type { Readable } from 'node:stream';
import { AirlockError } from '@airlock/core';
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
 * Reads a `text/event-stream` body event by event. While `onEvent` waits the body is paused, so
 * the socket is not read and TCP flow control pushes back on the server. Event-driven rather than
 * `for await`: this is on every relayed message's path, and async iteration costs a promise chain
 * per chunk. Resolves when the body ends; rejects on a transport error or an oversized event.
 */
export function readSseEvents(body: Readable, options: SseReadOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const events: EventSourceMessage[] = [];
    let failed = false;
    let ended = false;
    let delivering = false;
    const decoder = new TextDecoder();
    const parser = createParser({
      maxBufferSize: options.maxEventChars,
      onEvent: (event) => events.push(event),
      onError: (error) => {
        if (error.type !== 'max-buffer-size-exceeded') return;
        fail(
          new AirlockError(
            'message_too_large',
            `The MCP server sent an event larger than ${options.maxEventChars} characters, more than this connection accepts.`,
            { cause: error },
          ),
        );
      },
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });

    function fail(error: unknown): void {
      if (failed) return;
      failed = true;
      body.off('data', onData);
      reject(error);
    }

    // Delivers queued events in order; synchronous until an onEvent actually has to wait.
    function drain(): void {
      if (delivering || failed) return;
      while (events.length > 0) {
        const event = events.shift() as EventSourceMessage;
        let pending: Promise<void>;
        try {
          pending = options.onEvent(event);
        } catch (error) {
          fail(error);
          return;
        }
        delivering = true;
        body.pause();
        pending.then(
          () => {
            delivering = false;
            if (events.length > 0) drain();
            else if (ended) finish();
            else body.resume();
          },
          (error: unknown) => fail(error),
        );
        return;
      }
      if (ended) finish();
    }

    function finish(): void {
      if (failed) return;
      // A stream cut mid-event leaves an incomplete event, which SSE discards.
      resolve();
    }

    function onData(chunk: Buffer): void {
      parser.feed(decoder.decode(chunk, { stream: true }));
      drain();
    }

    body.on('data', onData);
    body.once('end', () => {
      // A parser that refused an oversized event throws when fed again, here inside an event
      // handler, where nothing would catch it.
      if (failed) return;
      parser.feed(decoder.decode());
      ended = true;
      drain();
    });
    body.once('error', fail);
    body.once('close', () => {
      if (!ended && !failed) fail(new Error('the MCP server closed the event stream before it ended'));
    });
  });
}
