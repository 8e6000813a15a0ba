import type { RecordingSource } from '@airlock/core';
import { pino, type Logger } from 'pino';
import type { KeyWrapper } from '../crypto/key-wrapper.js';
import type { BackoffPolicy } from '../kinesis/backoff.js';
import type { FsyncPolicy } from '../spool/fsync-policy.js';
import type { SpoolIo } from '../spool/spool-io.js';
import { Spool } from '../spool/spool.js';
import { SessionRecorder, type RecordingMode } from '../recorder/session-recorder.js';
import type { DeliverySink } from './delivery-sink.js';
import { SpoolDelivery } from './spool-delivery.js';

export interface StartRecordingOptions {
  readonly source: RecordingSource;
  readonly mode: RecordingMode;
  readonly gatewayId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly spool: {
    readonly dir: string;
    readonly segmentBytes?: number | undefined;
    readonly fsync?: FsyncPolicy | undefined;
    readonly fsyncIntervalMs?: number | undefined;
    readonly io?: SpoolIo | undefined;
  };
  /** Encrypts spooled messages (one data key per session); absent: spooled in clear. */
  readonly encryption?: { readonly wrapper: KeyWrapper } | undefined;
  /** Each gets its own spool cursor and pump. At least one. */
  readonly sinks: readonly DeliverySink[];
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
}

/** A recorder with its spool and the pumps that deliver it, running. */
export interface RunningRecording {
  readonly recorder: SessionRecorder;
  readonly spool: Spool;
  readonly deliveries: readonly SpoolDelivery[];
  /**
   * Flushes the spool to disk, lets each pump deliver what is spooled (up to `timeoutMs`; the
   * rest stays spooled for the next start) and closes the spool.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** Opens (and recovers) the spool, then starts one delivery pump per sink. */
export async function startRecording(options: StartRecordingOptions): Promise<RunningRecording> {
  const logger = options.logger ?? pino({ enabled: false });
  const spool = await Spool.open({
    dir: options.spool.dir,
    sinks: options.sinks.map((sink) => sink.name),
    ...(options.spool.segmentBytes === undefined ? {} : { segmentBytes: options.spool.segmentBytes }),
    ...(options.spool.fsync === undefined ? {} : { fsync: options.spool.fsync }),
    ...(options.spool.fsyncIntervalMs === undefined
      ? {}
      : { fsyncIntervalMs: options.spool.fsyncIntervalMs }),
    ...(options.spool.io === undefined ? {} : { io: options.spool.io }),
    ...(options.encryption === undefined ? {} : { encryption: options.encryption }),
    logger,
  });
  const recorder = new SessionRecorder({
    spool,
    source: options.source,
    mode: options.mode,
    ...(options.gatewayId === undefined ? {} : { gatewayId: options.gatewayId }),
    ...(options.agentId === undefined ? {} : { agentId: options.agentId }),
    logger,
  });
  const deliveries = options.sinks.map(
    (sink) =>
      new SpoolDelivery({
        spool,
        sink,
        logger,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      }),
  );
  for (const delivery of deliveries) delivery.start();
  let closing: Promise<void> | undefined;
  return {
    recorder,
    spool,
    deliveries,
    close: (timeoutMs = 5_000) =>
      (closing ??= (async () => {
        await spool.flush().catch((error: unknown) => {
          logger.error({ err: error }, 'could not flush the recording spool');
        });
        await Promise.all(deliveries.map((delivery) => delivery.stop(timeoutMs)));
        await spool.close();
      })()),
  };
}
