import { setTimeout as sleep } from 'node:timers/promises';
import { AirlockError } from '@airlock/core/client';
import { createParser } from 'eventsource-parser';
import { fetchAdminApi, type AdminTarget } from '../admin/admin-client.js';

/** One event of a gateway's live stream: its type and parsed JSON data. */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface FollowOptions {
  /** Stops following (default: never; Ctrl-C ends the process). */
  readonly signal?: AbortSignal;
  /**
   * No byte for this long means the connection is dead (the gateway sends a heartbeat every
   * 15 s): it is dropped and reopened. Default 45 s.
   */
  readonly silenceMs?: number;
  /** Told when the gateway cannot be reached and when it answers again (once each). */
  readonly onConnection?: (state: 'lost' | 'back') => void;
}

/**
 * Follows one of the gateway's live streams (`Accept: text/event-stream`) until `signal` aborts:
 * every event goes to `onEvent`. A dropped or silent connection is reopened with Last-Event-ID,
 * so the gateway sends exactly what was missed (a fresh token is asked for each time: a stream
 * may outlive one). A refusal (a bad filter, an expired login, too many streams) ends the follow
 * with the gateway's explanation.
 */
export async function followEventStream(
  target: () => Promise<AdminTarget>,
  path: string,
  onEvent: (event: StreamEvent) => void,
  options: FollowOptions = {},
): Promise<void> {
  let lastEventId: string | undefined;
  let wait = 500;
  let lost = false;
  while (options.signal?.aborted !== true) {
    const connection = new AbortController();
    const stop = () => connection.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    const quiet = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(stop, options.silenceMs ?? 45_000);
    };
    try {
      quiet();
      const response = await fetchAdminApi(await target(), 'GET', path, {
        accept: 'text/event-stream',
        signal: connection.signal,
        ...(lastEventId === undefined ? {} : { headers: { 'last-event-id': lastEventId } }),
      });
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await response.body?.cancel();
        throw new NoEventStream(path);
      }
      if (lost) options.onConnection?.('back');
      lost = false;
      wait = 500;
      const parser = createParser({
        onEvent: (message) => {
          if (message.id !== undefined) lastEventId = message.id;
          if (message.data === '') return;
          onEvent({ event: message.event ?? 'message', data: JSON.parse(message.data) as unknown });
        },
        onRetry: (ms) => {
          wait = ms;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) {
        quiet();
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
    } catch (error) {
      // The gateway's own refusals end the follow; losing the connection does not.
      if (error instanceof NoEventStream) throw error;
      if (error instanceof AirlockError && error.code !== 'internal' && error.code !== 'gateway_draining')
        throw error;
      if (options.signal?.aborted) return;
      if (!lost) options.onConnection?.('lost');
      lost = true;
    } finally {
      clearTimeout(watchdog);
      options.signal?.removeEventListener('abort', stop);
    }
    if (options.signal?.aborted) return;
    await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
    wait = Math.min(10_000, wait * 2);
  }
}

/** The gateway answered without a stream: it predates live updates (callers may poll instead). */
export class NoEventStream extends Error {
  constructor(path: string) {
    super(`The gateway answered ${path} without an event stream; it is older than live updates.`);
  }
}

/** Whether following failed because the gateway serves no stream there (then poll instead). */
export function servesNoStream(error: unknown): boolean {
  return error instanceof NoEventStream || AirlockError.is(error, 'recording_unavailable');
}
