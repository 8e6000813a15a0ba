import { Worker } from 'node:worker_threads';
import { AirlockError, type ApprovalVote, type RecordingEvent } from '@airlock/core';
import type {
  ApprovalFilter,
  ApprovalPage,
  ApprovalRecord,
  HeldCallRequest,
  HoldResult,
} from '../approvals/approval-store.js';
import type { ApprovalChangeFilter, ChangePage, SessionChangeFilter } from '../changes/change-feed-store.js';
import type { StopWatching, StoreChange } from '../changes/store-change.js';
import type { ToolPin, ToolSighting, ToolSightingResult } from '../pins/tool-pin-store.js';
import type { ConsoleRecordKind } from '../console/console-session-store.js';
import type {
  AccessDecision,
  AccessGrant,
  AccessGrantFilter,
  AccessRequest,
} from '../access/access-grant-store.js';
import type {
  EventPage,
  EventPageQuery,
  EventQuery,
  PurgeResult,
  RecordingStore,
  SessionFilter,
  SessionPage,
  SessionScope,
  SessionSummary,
} from './recording-store.js';
import type { MessageIndexing } from './message-search.js';
import type { StoreThreadOptions } from './store-thread-options.js';

type PgliteThread = Extract<StoreThreadOptions, { kind: 'pglite' }>;
type PostgresThread = Extract<StoreThreadOptions, { kind: 'postgres' }>;

/**
 * Which store the thread opens (PGlite when no kind is given). The encryption settings travel as
 * configuration: the thread builds its own key wrapper from them.
 */
export type WorkerStoreOptions =
  | (Omit<PgliteThread, 'kind'> & { readonly kind?: 'pglite' })
  | (PostgresThread & {
      /** A pooled connection of the thread failed and is replaced (for the gateway's log). */
      readonly onConnectionError?: (reason: string) => void;
    });

interface WireError {
  readonly code: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/**
 * A recording store run in a worker thread, at a lower priority than the relay's (see
 * store-thread.ts). The worker owns the database; this proxy forwards each store call and its
 * answer, so the relay's event loop only posts messages.
 *
 * - PGlite (the embedded store) always runs here: it executes WebAssembly synchronously, and on
 *   the gateway's own thread each insert batch would stall every session it relays (measured:
 *   recording added ~2.6 ms p50 to a relayed call).
 * - PostgreSQL runs here for storing events: the store's own work per event (parsing the events,
 *   building the rows and their search terms, the client's protocol) took ~200 µs per relayed call
 *   from the relay's thread. The gateway keeps a store on its own thread for everything else.
 */
export class WorkerStore implements RecordingStore {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private failure: AirlockError | undefined;
  private readonly watchers = new Set<(change: StoreChange) => void>();
  private watching: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    onConnectionError: ((reason: string) => void) | undefined,
  ) {
    worker.on('message', (reply: Reply | { change: StoreChange } | { connectionError: string }) => {
      if ('change' in reply) {
        for (const watcher of this.watchers) watcher(reply.change);
        return;
      }
      if ('connectionError' in reply) {
        onConnectionError?.(reply.connectionError);
        return;
      }
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(AirlockError.fromWire(reply.error.code, reply.error.message, reply.error.data));
    });
    const fail = (reason: string) => {
      this.failure ??= new AirlockError(
        'recording_unavailable',
        `The recording store's worker thread ${reason}; recordings stay in the spool until the gateway restarts.`,
      );
      for (const waiter of this.pending.values()) waiter.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(`failed (${error.message})`));
    worker.on('exit', (code) => fail(`exited (code ${code})`));
  }

  static async open(options: WorkerStoreOptions): Promise<WorkerStore> {
    const onConnectionError = options.kind === 'postgres' ? options.onConnectionError : undefined;
    const opening: StoreThreadOptions =
      options.kind === 'postgres'
        ? {
            kind: 'postgres',
            connectionString: options.connectionString,
            encryption: options.encryption,
            maxConnections: options.maxConnections,
          }
        : { kind: 'pglite', dataDir: options.dataDir, encryption: options.encryption };
    const worker = new Worker(new URL('./store-thread.js', import.meta.url), { workerData: opening });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; error?: WireError }) => {
        if (message.ready === undefined) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (message.ready) resolve();
        else {
          void worker.terminate();
          reject(
            AirlockError.fromWire(
              message.error?.code ?? 'internal',
              message.error?.message ?? 'the store did not open',
            ),
          );
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new WorkerStore(worker, onConnectionError);
  }

  private call<T>(method: keyof RecordingStore, ...args: unknown[]): Promise<T> {
    return this.callMoving<T>([], method, ...args);
  }

  /** A call whose `transfer` buffers move to the thread (no copy) and are unusable here after. */
  private callMoving<T>(
    transfer: ArrayBuffer[],
    method: keyof RecordingStore,
    ...args: unknown[]
  ): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args }, transfer);
    });
  }

  migrate(): Promise<void> {
    return this.call('migrate');
  }

  insertEvents(events: readonly RecordingEvent[]): Promise<{ readonly inserted: number }> {
    return this.call('insertEvents', events);
  }

  /**
   * The bytes go to the store's thread, which parses and checks them there. Each payload is copied
   * into a buffer of its own and moved: a payload is often a view into a larger buffer (the gRPC
   * message), which a plain post would copy whole, and a large event's text is never built here.
   */
  insertAgentEvents(
    agentId: string,
    payloads: readonly Uint8Array[],
  ): Promise<{ readonly inserted: number }> {
    const own = payloads.map((payload) => new Uint8Array(payload));
    return this.callMoving(
      own.map((bytes) => bytes.buffer as ArrayBuffer),
      'insertAgentEvents',
      agentId,
      own,
    );
  }

  /** As insertAgentEvents: each payload copied into a buffer of its own and moved to the thread. */
  insertSpooledEvents(payloads: readonly Uint8Array[]): Promise<{ readonly inserted: number }> {
    const own = payloads.map((payload) => new Uint8Array(payload));
    return this.callMoving(
      own.map((bytes) => bytes.buffer as ArrayBuffer),
      'insertSpooledEvents',
      own,
    );
  }

  /** The worker listens once (migration 9's NOTIFY, in its database) and posts each change here. */
  async watchChanges(onChange: (change: StoreChange) => void): Promise<StopWatching> {
    this.watching ??= this.call<void>('watchChanges');
    await this.watching;
    this.watchers.add(onChange);
    return async () => {
      this.watchers.delete(onChange);
    };
  }

  listSessionChanges(filter: SessionChangeFilter): Promise<ChangePage<SessionSummary>> {
    return this.call('listSessionChanges', filter);
  }

  listApprovalChanges(filter: ApprovalChangeFilter): Promise<ChangePage<ApprovalRecord>> {
    return this.call('listApprovalChanges', filter);
  }

  listSessions(filter: SessionFilter): Promise<SessionPage> {
    return this.call('listSessions', filter);
  }

  getSession(id: string, scope?: SessionScope): Promise<SessionSummary | undefined> {
    return this.call('getSession', id, scope);
  }

  getEvents(sessionId: string, query?: EventQuery): Promise<RecordingEvent[]> {
    return this.call('getEvents', sessionId, query);
  }

  getEventPage(sessionId: string, query: EventPageQuery): Promise<EventPage> {
    return this.call('getEventPage', sessionId, query);
  }

  toolPins(connection: string): Promise<ToolPin[]> {
    return this.call('toolPins', connection);
  }

  recordToolSightings(
    connection: string,
    tools: readonly ToolSighting[],
    at: Date,
  ): Promise<ToolSightingResult> {
    return this.call('recordToolSightings', connection, tools, at);
  }

  acceptTools(connection: string, tools: readonly string[] | 'all', by: string, at: Date): Promise<string[]> {
    return this.call('acceptTools', connection, tools, by, at);
  }

  requestAccess(request: AccessRequest): Promise<AccessGrant> {
    return this.call('requestAccess', request);
  }

  getGrant(id: string): Promise<AccessGrant | undefined> {
    return this.call('getGrant', id);
  }

  listGrants(filter: AccessGrantFilter): Promise<AccessGrant[]> {
    return this.call('listGrants', filter);
  }

  decideGrant(id: string, decision: AccessDecision, now: Date): Promise<AccessGrant> {
    return this.call('decideGrant', id, decision, now);
  }

  revokeGrant(id: string, by: string, reason: string | undefined, now: Date): Promise<AccessGrant> {
    return this.call('revokeGrant', id, by, reason, now);
  }

  activeGrants(now: Date): Promise<AccessGrant[]> {
    return this.call('activeGrants', now);
  }

  holdCall(request: HeldCallRequest): Promise<HoldResult> {
    return this.call('holdCall', request);
  }

  getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.call('getApproval', id);
  }

  listApprovals(filter: ApprovalFilter): Promise<ApprovalPage> {
    return this.call('listApprovals', filter);
  }

  voteOnApproval(id: string, vote: ApprovalVote, now: Date): Promise<ApprovalRecord> {
    return this.call('voteOnApproval', id, vote, now);
  }

  expireApproval(id: string, now: Date): Promise<ApprovalRecord | undefined> {
    return this.call('expireApproval', id, now);
  }

  claimRelease(id: string, by: string, now: Date): Promise<boolean> {
    return this.call('claimRelease', id, by, now);
  }

  storeOutcome(id: string, outcome: string, now: Date): Promise<void> {
    return this.call('storeOutcome', id, outcome, now);
  }

  saveConsoleRecord(kind: ConsoleRecordKind, key: string, sealed: string, expiresAt: Date): Promise<void> {
    return this.call('saveConsoleRecord', kind, key, sealed, expiresAt);
  }

  loadConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    return this.call('loadConsoleRecord', kind, key);
  }

  takeConsoleRecord(kind: ConsoleRecordKind, key: string): Promise<string | undefined> {
    return this.call('takeConsoleRecord', kind, key);
  }

  indexStoredMessages(): Promise<MessageIndexing> {
    return this.call('indexStoredMessages');
  }

  purgeOlderThan(cutoff: Date): Promise<PurgeResult> {
    return this.call('purgeOlderThan', cutoff);
  }

  async close(): Promise<void> {
    try {
      if (!this.failure) await this.call('close');
    } finally {
      await this.worker.terminate();
    }
  }
}
