import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError, type GatewayConfig, type RecordingConfig, type RecordingEvent } from '@airlock/core';
import {
  KinesisSink,
  kinesisDeliverySink,
  PgliteStore,
  PostgresStore,
  startRecording,
  storeDeliverySink,
  type DeliverySink,
  type RecordingStore,
  type RunningRecording,
  type SpoolIo,
} from '@airlock/recording';
import type { Logger } from 'pino';

/** The gateway's recording: its recorder and spool, the store, and what agents' events go to. */
export interface GatewayRecording {
  readonly running: RunningRecording;
  /** Undefined with `store.kind: none` (events then go only to Kinesis). */
  readonly store: RecordingStore | undefined;
  readonly spoolDir: string;
  /** Stores a batch of an agent's events (the tunnel's Record call); they are durable in its spool until then. */
  storeAgentEvents(agentId: string, events: RecordingEvent[]): Promise<void>;
  /** Flushes and delivers the spool (bounded), then closes it and the store. */
  close(timeoutMs?: number): Promise<void>;
}

const NO_PLACE =
  'Recording is on, but the gateway has nowhere to keep its recording spool and store. Set gateway.dataDir (spool in <dataDir>/spool, PGlite store in <dataDir>/store), or recording.spool.dir and recording.store; or, only where recording is not wanted, recording.enabled: false.';

function gatewaySpoolDir(config: GatewayConfig, recording: RecordingConfig): string {
  const dir =
    recording.spool.dir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'spool'));
  if (dir === undefined) throw new AirlockError('config_invalid', NO_PLACE);
  return dir;
}

async function openStore(
  config: GatewayConfig,
  recording: RecordingConfig,
  logger: Logger,
): Promise<RecordingStore | undefined> {
  const { store } = recording;
  if (store.kind === 'none') return undefined;
  if (store.kind === 'pglite') {
    const dataDir =
      store.dataDir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'store'));
    if (dataDir === undefined) throw new AirlockError('config_invalid', NO_PLACE);
    const opened = await PgliteStore.open({ dataDir });
    await opened.migrate().catch(async (error: unknown) => {
      await opened.close();
      throw error;
    });
    return opened;
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
    onIdleConnectionError: (error) =>
      logger.warn({ reason: error.message }, 'a pooled PostgreSQL connection failed; it is replaced'),
  });
  await opened.migrate().catch(async (error: unknown) => {
    await opened.close();
    throw error;
  });
  return opened;
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
  const spoolDir = gatewaySpoolDir(config, recording);
  const log = logger.child({ component: 'recording' });
  const store = await openStore(config, recording, log);
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
  const sinks: DeliverySink[] = [];
  if (store) sinks.push(storeDeliverySink(store));
  if (kinesis) sinks.push(kinesisDeliverySink(kinesis));
  if (sinks.length === 0) {
    await store?.close();
    throw new AirlockError(
      'config_invalid',
      'recording.store.kind is "none" and no recording.kinesis stream is set: recorded events would go nowhere. Configure a store or a Kinesis stream, or set recording.enabled: false.',
    );
  }
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
      sinks,
      logger: log,
    });
  } catch (error) {
    kinesis?.close();
    await store?.close();
    throw error;
  }
  log.info(
    {
      spool: spoolDir,
      store: recording.store.kind,
      kinesis: recording.kinesis?.stream,
      mode: recording.mode,
    },
    'recording sessions (gateway side)',
  );
  let closing: Promise<void> | undefined;
  return {
    running,
    store,
    spoolDir,
    // With no store, an agent's events reach Kinesis from the agent itself: accept them here.
    storeAgentEvents: async (_agentId, events) => {
      if (store) await store.insertEvents(events);
    },
    close: (timeoutMs) =>
      (closing ??= (async () => {
        await running.close(timeoutMs);
        kinesis?.close();
        await store?.close();
      })()),
  };
}
