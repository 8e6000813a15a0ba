import { readFile } from 'node:fs/promises';
import { AirlockError, childLogger, type GatewayConfig, type RecordingConfig } from '@airlock/core';
import {
  keyWrapperFromConfig,
  KinesisSink,
  kinesisDeliverySink,
  parseAgentEvents,
  WorkerStore,
  PostgresStore,
  RetentionJob,
  startRecording,
  StoreBacklog,
  storeDeliverySink,
  type DeliverySink,
  type KeyWrapper,
  type RecordingStore,
  type RunningRecording,
  type SpoolIo,
} from '@airlock/recording';
import type { Logger } from 'pino';
import { gatewayRecordingPlaces, type GatewayRecordingPlaces } from './recording-places.js';

/** The gateway's recording: its recorder and spool, the store, and what agents' events go to. */
export interface GatewayRecording {
  readonly running: RunningRecording;
  /** Undefined with `store.kind: none` (events then go only to Kinesis). */
  readonly store: RecordingStore | undefined;
  readonly spoolDir: string;
  /** Events handed to the store and not yet stored (this gateway's and its agents'). */
  readonly storeBacklog: StoreBacklog;
  /**
   * Stores a batch of an agent's events (the tunnel's Record call: their JSON as sent), refused
   * unless every event is that agent's own; they are durable in its spool until then.
   */
  storeAgentEvents(agentId: string, payloads: readonly Buffer[]): Promise<void>;
  /** Flushes and delivers the spool (bounded), then closes it and the store. */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * The store, and what stores the events: the same PGlite store (it runs in a thread of its own
 * anyway), or for PostgreSQL a second store in a worker thread, so that the work of storing each
 * event (parsing, rows, search terms, the client's protocol) leaves the relay's thread.
 */
interface OpenedStores {
  readonly store: RecordingStore;
  readonly writer: RecordingStore;
}

async function openStore(
  places: GatewayRecordingPlaces,
  recording: RecordingConfig,
  wrapper: KeyWrapper | undefined,
  logger: Logger,
): Promise<OpenedStores | undefined> {
  const { store } = recording;
  const encryption = wrapper === undefined ? {} : { encryption: { wrapper } };
  if (store.kind === 'none') return undefined;
  if (places.pgliteDir !== undefined) {
    // In a worker thread: PGlite's WebAssembly would otherwise stall the relay's event loop.
    const opened = await WorkerStore.open({
      dataDir: places.pgliteDir,
      ...(recording.encryption === undefined ? {} : { encryption: recording.encryption }),
    });
    await opened.migrate().catch(async (error: unknown) => {
      await opened.close();
      throw error;
    });
    return { store: opened, writer: opened };
  }
  let connectionString = store.connectionString;
  if (connectionString === undefined && store.connectionStringFile !== undefined) {
    try {
      connectionString = (await readFile(store.connectionStringFile, 'utf8')).trim();
    } catch (cause) {
      throw new AirlockError(
        'config_invalid',
        `Cannot read recording.store.connectionStringFile (${store.connectionStringFile}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}.`,
        { cause },
      );
    }
  }
  if (!connectionString) {
    throw new AirlockError(
      'config_invalid',
      'recording.store.kind "postgres" needs connectionString or connectionStringFile.',
    );
  }
  const opened = PostgresStore.open({
    connectionString,
    ...encryption,
    onIdleConnectionError: (error) =>
      logger.warn({ reason: error.message }, 'a pooled PostgreSQL connection failed; it is replaced'),
  });
  await opened.migrate().catch(async (error: unknown) => {
    await opened.close();
    throw error;
  });
  try {
    const writer = await WorkerStore.open({
      kind: 'postgres',
      connectionString,
      ...(recording.encryption === undefined ? {} : { encryption: recording.encryption }),
      onConnectionError: (reason) =>
        logger.warn({ reason }, 'a pooled PostgreSQL connection of the store thread failed; it is replaced'),
    });
    return { store: opened, writer };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/**
 * Messages stored before the store kept search terms (store migration 11) are found by `text` only
 * once indexed: that runs after start, in the background, so a large store does not hold up the
 * gateway; it logs when done, and a failure (say KMS unreachable) is retried at the next start.
 */
function indexStoredMessagesInBackground(store: RecordingStore, log: Logger): void {
  const started = performance.now();
  store.indexStoredMessages().then(
    ({ indexed, unreadable }) => {
      if (indexed + unreadable === 0) return;
      log.info(
        { indexed, unreadable, ms: Math.round(performance.now() - started) },
        'stored messages indexed for text search',
      );
    },
    (error: unknown) =>
      log.warn(
        { reason: (error as Error).message },
        'indexing stored messages for text search stopped; older sessions may be missing from text search until the next start',
      ),
  );
}

/**
 * Opens the store, then the spool with its pumps: `store` and, when configured, `kinesis`. Fails
 * startup (fail closed) when recording is on and there is no place to write.
 */
export async function startGatewayRecording(
  config: GatewayConfig & { readonly id?: string | undefined },
  gatewayId: string,
  recording: RecordingConfig,
  logger: Logger,
  io?: SpoolIo,
): Promise<GatewayRecording> {
  const places = gatewayRecordingPlaces(config, recording);
  const spoolDir = places.spoolDir;
  const log = childLogger(logger, { component: 'recording' });
  const wrapper = await keyWrapperFromConfig(recording.encryption);
  const opened = await openStore(places, recording, wrapper, log);
  const store = opened?.store;
  const writer = opened?.writer;
  const closeStores = async () => {
    if (writer !== store) await writer?.close();
    await store?.close();
  };
  // A bulk write like storing: from the writer (with PostgreSQL, its thread, not the relay's).
  if (writer) indexStoredMessagesInBackground(writer, log);
  const kinesis = recording.kinesis
    ? new KinesisSink({
        streamName: recording.kinesis.stream,
        region: recording.kinesis.region,
        endpoint: recording.kinesis.endpoint,
        onRetry: (retry) =>
          log.debug(
            { attempt: retry.attempt, reason: retry.reason, delayMs: retry.delayMs },
            'Kinesis retry',
          ),
      })
    : undefined;
  const storeBacklog = new StoreBacklog();
  const sinks: DeliverySink[] = [];
  if (writer) sinks.push(storeDeliverySink(writer, 'store', storeBacklog));
  if (kinesis) sinks.push(kinesisDeliverySink(kinesis));
  let running: RunningRecording;
  try {
    running = await startRecording({
      source: 'gateway',
      mode: recording.mode,
      gatewayId,
      spool: {
        dir: spoolDir,
        segmentBytes: recording.spool.segmentBytes,
        fsync: recording.spool.fsync,
        fsyncIntervalMs: recording.spool.fsyncIntervalMs,
        io,
      },
      ...(wrapper === undefined ? {} : { encryption: { wrapper } }),
      sinks,
      logger: log,
    });
  } catch (error) {
    kinesis?.close();
    await closeStores();
    throw error;
  }
  log.info(
    {
      spool: spoolDir,
      store: recording.store.kind,
      kinesis: recording.kinesis?.stream,
      mode: recording.mode,
      encryption: wrapper?.kind ?? 'none',
    },
    'recording sessions (gateway side)',
  );
  // Retention needs the store (it deletes whole sessions there); with Kinesis only, the stream's
  // own retention applies and delivered spool segments are deleted as they are acknowledged.
  const retention = store
    ? new RetentionJob({
        store,
        spool: running.spool,
        days: recording.retentionDays,
        recorder: running.spool,
        gatewayId,
        logger: log,
      })
    : undefined;
  retention?.start();
  let closing: Promise<void> | undefined;
  return {
    running,
    store,
    spoolDir,
    storeBacklog,
    // With no store, an agent's events reach Kinesis from the agent itself: accept them here.
    storeAgentEvents: async (agentId, payloads) => {
      if (writer) await storeBacklog.insertAgentEvents(writer, agentId, payloads);
      // Checked all the same, so an agent learns at once that it sent what no gateway accepts.
      else parseAgentEvents(agentId, payloads);
    },
    close: (timeoutMs) =>
      (closing ??= (async () => {
        // First: its last event (the end of its audit session) goes through the spool.
        await retention?.stop().catch((error: unknown) => {
          log.error({ err: error }, 'could not stop the recording retention job cleanly');
        });
        await running.close(timeoutMs);
        kinesis?.close();
        await closeStores();
      })()),
  };
}
