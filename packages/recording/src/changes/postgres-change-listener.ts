import pg from 'pg';
import { CHANGE_CHANNEL, changeOfPayload, type StopWatching, type StoreChange } from './store-change.js';

export interface PostgresChangeListenerOptions {
  readonly connectionString: string;
  /** A lost or failed listening connection (logged by the caller; it is reopened). */
  readonly onError?: ((error: Error) => void) | undefined;
  /** First wait before reopening a lost connection; doubles to `maxRetryMs`. */
  readonly retryMs?: number | undefined;
  readonly maxRetryMs?: number | undefined;
}

/**
 * LISTEN on the change channel over one dedicated connection (a pooled one would be handed to
 * other queries, and LISTEN belongs to a session). It sees every gateway's commits. When the
 * connection is lost it is reopened with backoff, and every listener gets a `resync`, because the
 * NOTIFYs sent meanwhile are gone: readers re-read from their cursors, so nothing is missed.
 */
export function listenForChanges(
  options: PostgresChangeListenerOptions,
  onChange: (change: StoreChange) => void,
): Promise<StopWatching> {
  const retryMs = options.retryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 10_000;
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wait = retryMs;

  const open = async (first: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', (message) => {
      if (message.channel === CHANGE_CHANNEL) onChange(changeOfPayload(message.payload ?? ''));
    });
    next.on('error', (error) => {
      options.onError?.(error);
      lost(next);
    });
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      if (first) throw error;
      options.onError?.(error as Error);
      retry();
      return;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    wait = retryMs;
    // Whatever was notified while no connection listened is unknown: tell every reader to look.
    if (!first) onChange({ kind: 'resync' });
  };
  const lost = (which: pg.Client): void => {
    if (client !== which || stopped) return;
    client = undefined;
    void which.end().catch(() => undefined);
    retry();
  };
  const retry = (): void => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void open(false);
    }, wait);
    timer.unref();
    wait = Math.min(maxRetryMs, wait * 2);
  };

  return open(true).then(() => async () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  });
}
