import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreChange } from '@airlock/recording';
import type { Logger } from 'pino';
import type { ChangeHub } from './change-hub.js';

/** One Server-Sent Event: its type and its JSON data. */
export interface LiveEvent {
  readonly event: string;
  readonly data: unknown;
}

/** What a stream shows: read from a position, and which change hints concern it. */
export interface LiveSource {
  /**
   * The events after `cursor` (one bounded page), the position after them, and whether more are
   * already waiting. `cursor` undefined: nothing, and the position of "now".
   */
  read(cursor: string | undefined): Promise<{ events: LiveEvent[]; cursor: string; more: boolean }>;
  /** Whether a change hint may concern this stream (a resync always does). */
  wakes(change: StoreChange): boolean;
}

export interface LiveStreamOptions {
  readonly hub: ChangeHub;
  /** Counts against this person's stream limit. */
  readonly person: string;
  readonly source: LiveSource;
  /** The client's Last-Event-ID (or `after`): resume there instead of sending a snapshot. */
  readonly resumeFrom: string | undefined;
  /** Without a resume position: what the matching list shows now, sent first. */
  readonly snapshot?: (() => Promise<LiveEvent>) | undefined;
  readonly logger: Logger;
  readonly timing?: LiveStreamTiming | undefined;
}

export interface LiveStreamTiming {
  /** A comment (and the latest position) at least this often; proxies and NAT drop idle flows. */
  readonly heartbeatMs: number;
  /** Hints arriving within this window are served by one read. */
  readonly coalesceMs: number;
  /**
   * A client that has not taken what was written within this long is cut off (it reconnects
   * with Last-Event-ID): a stream holds at most one unread page, never a growing queue.
   */
  readonly stallMs: number;
  /**
   * The stream ends after this long (the client reconnects at once): the person's token is
   * checked again on every connection, so a revoked or expired sign-in stops seeing changes.
   */
  readonly maxLifetimeMs: number;
  /** What the client is told to wait before reconnecting. */
  readonly retryMs: number;
}

export const DEFAULT_LIVE_TIMING: LiveStreamTiming = {
  heartbeatMs: 15_000,
  coalesceMs: 100,
  stallMs: 30_000,
  maxLifetimeMs: 10 * 60_000,
  retryMs: 2_000,
};

/**
 * Serves one live stream (text/event-stream): a `ready` event with the start position, the
 * snapshot (unless resuming), then every change read from the store as hints arrive. Each batch
 * carries its end position as the SSE id, so a client that reconnects with Last-Event-ID gets
 * exactly what came after (a batch cut in the middle is sent again: clients merge by id).
 * Authorization happened before: the source reads only what the caller may see.
 */
export async function serveLiveStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: LiveStreamOptions,
): Promise<void> {
  const timing = options.timing ?? DEFAULT_LIVE_TIMING;
  const release = options.hub.admit(options.person);
  let cursor: string;
  let first: LiveEvent[] = [];
  let more = false;
  let snapshot: LiveEvent | undefined;
  try {
    // Read before the answer starts, so a bad position is a plain 400, not a broken stream.
    if (options.resumeFrom !== undefined) {
      const page = await options.source.read(options.resumeFrom);
      ({ cursor, more } = page);
      first = page.events;
    } else {
      // The position is taken before the snapshot: a change between the two is sent twice, never lost.
      cursor = (await options.source.read(undefined)).cursor;
      snapshot = await options.snapshot?.();
    }
  } catch (error) {
    release();
    throw error;
  }
  req.resume();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  let announced = cursor;
  let reading = false;
  let again = false;
  let coalesce: NodeJS.Timeout | undefined;
  let stall: NodeJS.Timeout | undefined;

  const write = (text: string): boolean => {
    if (closed) return false;
    const flowing = res.write(text);
    if (!flowing && stall === undefined) {
      stall = setTimeout(() => {
        options.logger.info({ person: options.person }, 'live stream client stopped reading; closing it');
        finish();
      }, timing.stallMs);
    }
    return flowing;
  };
  const send = (event: LiveEvent, id?: string): boolean =>
    write(
      `${id === undefined ? '' : `id: ${id}\n`}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`,
    );

  const pull = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          if (closed || res.writableNeedDrain) return;
          const page = await options.source.read(cursor);
          cursor = page.cursor;
          page.events.forEach((event, i) => send(event, i === page.events.length - 1 ? cursor : undefined));
          if (page.events.length > 0) announced = cursor;
          if (!page.more) break;
        }
      } while (again && !closed);
    } catch (error) {
      options.logger.warn({ err: error }, 'live stream read failed; the client will reconnect');
      finish();
    } finally {
      reading = false;
    }
  };
  const wake = (): void => {
    coalesce ??= setTimeout(() => {
      coalesce = undefined;
      void pull();
    }, timing.coalesceMs);
  };

  const unsubscribe = options.hub.subscribe((change) => {
    if (options.source.wakes(change)) wake();
  });
  const heartbeat = setInterval(() => {
    // An id-only message moves the client's Last-Event-ID without an event: a reconnect after a
    // long quiet stretch does not re-scan it. Then a comment, which is all an idle flow needs.
    const moved = cursor !== announced ? `id: ${cursor}\n\n` : '';
    announced = cursor;
    write(`${moved}: keepalive\n\n`);
  }, timing.heartbeatMs);
  const lifetime = setTimeout(() => finish(), timing.maxLifetimeMs);
  const forget = options.hub.onClose(() => finish());
  const finish = (): void => {
    if (closed) return;
    closed = true;
    forget();
    unsubscribe();
    release();
    clearInterval(heartbeat);
    clearTimeout(lifetime);
    if (coalesce !== undefined) clearTimeout(coalesce);
    if (stall !== undefined) clearTimeout(stall);
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  // The client may have gone while the first read ran: then no 'close' is still to come.
  if (res.destroyed || req.socket.destroyed) {
    finish();
    return;
  }
  res.on('drain', () => {
    if (stall !== undefined) clearTimeout(stall);
    stall = undefined;
    wake();
  });

  write(`retry: ${timing.retryMs}\n\n`);
  // The snapshot goes before the first id: a client cut off in between has no Last-Event-ID yet,
  // so it reconnects afresh and gets a snapshot again.
  if (snapshot !== undefined) send(snapshot);
  first.forEach((event) => send(event));
  send({ event: 'ready', data: { resumed: options.resumeFrom !== undefined } }, cursor);
  // Anything that changed while the stream was being set up, and the rest of a long resume.
  if (more) void pull();
  else wake();
}

/** Whether the request asks for a live stream rather than one JSON answer. */
export function wantsEventStream(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').split(',').some((part) => part.trim().startsWith('text/event-stream'));
}

/** Where to resume: the Last-Event-ID header (EventSource's reconnect), else `after`. */
export function resumePosition(req: IncomingMessage, params: URLSearchParams): string | undefined {
  const header = req.headers['last-event-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader !== '') return fromHeader;
  const after = params.get('after');
  return after === null || after === '' ? undefined : after;
}
