import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Client as V2Client } from '@modelcontextprotocol/client';

/** One notification as the client received it. */
export interface RecordedNotification {
  method: string;
  params: Record<string, unknown>;
}

export interface NotificationLog {
  /** Every recorded notification, in arrival order. */
  readonly all: readonly RecordedNotification[];
  /** `notifications/progress` params, in arrival order (fed by `onprogress`). */
  progress(): Record<string, unknown>[];
  /** `notifications/message` params, in arrival order. */
  logging(): Record<string, unknown>[];
  /** Methods of the `notifications/{tools,resources,prompts}/list_changed` received. */
  listChanged(): string[];
  /**
   * Pass as the `onprogress` request option. Both SDKs put a `progressToken` on a request only when
   * it has an `onprogress` callback, and route progress notifications to that callback rather than
   * to notification handlers — so progress is collected per call, through this.
   */
  onprogress: (progress: Record<string, unknown>) => void;
  /** Resolves with the first (past or future) notification matching; rejects after `timeoutMs` (default 5000). */
  waitFor(predicate: (n: RecordedNotification) => boolean, timeoutMs?: number): Promise<RecordedNotification>;
}

const LIST_CHANGED = [
  'notifications/tools/list_changed',
  'notifications/resources/list_changed',
  'notifications/prompts/list_changed',
] as const;

/**
 * Records the logging and list_changed notifications a v1 or v2 client receives (replacing any
 * handlers already set for those methods), plus progress via the returned `onprogress`.
 */
export function collectNotifications(client: V1Client | V2Client): NotificationLog {
  const all: RecordedNotification[] = [];
  const waiters = new Set<() => void>();
  const record = (method: string, params: unknown): void => {
    all.push({ method, params: (params ?? {}) as Record<string, unknown> });
    for (const wake of waiters) wake();
  };

  if (client instanceof V1Client) {
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => record(n.method, n.params));
    client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => record(n.method, n.params));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, (n) => record(n.method, n.params));
    client.setNotificationHandler(PromptListChangedNotificationSchema, (n) => record(n.method, n.params));
  } else {
    client.setNotificationHandler('notifications/message', (n) => record(n.method, n.params));
    for (const method of LIST_CHANGED)
      client.setNotificationHandler(method, (n) => record(n.method, n.params));
  }

  const paramsOf = (method: string): Record<string, unknown>[] =>
    all.filter((n) => n.method === method).map((n) => n.params);

  return {
    all,
    progress: () => paramsOf('notifications/progress'),
    logging: () => paramsOf('notifications/message'),
    listChanged: () =>
      all.filter((n) => (LIST_CHANGED as readonly string[]).includes(n.method)).map((n) => n.method),
    onprogress: (progress) => record('notifications/progress', progress),
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        let scanned = 0;
        const check = (): void => {
          for (; scanned < all.length; scanned++) {
            const n = all[scanned]!;
            if (predicate(n)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(n);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching notification within ${timeoutMs} ms; got: ${all.map((n) => n.method).join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
