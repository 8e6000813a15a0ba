import { join } from 'node:path';
import { AirlockError, childLogger, type AgentConfig, type RecordingConfig } from '@airlock/core';
// The spool entry, not the package's main one: that would load the stores and AWS SDK clients.
import {
  keyWrapperFromConfig,
  kinesisDeliverySink,
  openKinesisSink,
  startRecording,
  type DeliverySink,
  type RunningRecording,
  type SpoolIo,
} from '@airlock/recording/spool';
import type { Logger } from 'pino';

/** Where the agent's spool lives, or a startup error saying how to give it one (fail closed). */
export function agentSpoolDir(config: AgentConfig, recording: RecordingConfig): string {
  const dir =
    recording.spool.dir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'spool'));
  if (dir === undefined) {
    throw new AirlockError(
      'config_invalid',
      'Recording is on, but the agent has nowhere to keep its recording spool. Set agent.dataDir (the spool goes to <dataDir>/spool) or recording.spool.dir; or, only where recording is not wanted, recording.enabled: false.',
    );
  }
  return dir;
}

/**
 * The agent's recording: a spool delivered to the gateway (which stores the events) and, when
 * configured, to Kinesis. `toGateway` sends a batch to whichever gateway is connected.
 */
export async function startAgentRecording(
  config: AgentConfig,
  recording: RecordingConfig,
  toGateway: DeliverySink['deliver'],
  logger: Logger,
  io?: SpoolIo,
): Promise<RunningRecording> {
  const dir = agentSpoolDir(config, recording);
  // The agent encrypts its spool only; the gateway's store encrypts what it stores with its own key.
  const wrapper = await keyWrapperFromConfig(recording.encryption);
  const kinesis = recording.kinesis
    ? await openKinesisSink({
        streamName: recording.kinesis.stream,
        region: recording.kinesis.region,
        endpoint: recording.kinesis.endpoint,
      })
    : undefined;
  const sinks: DeliverySink[] = [{ name: 'gateway', deliver: toGateway }];
  if (kinesis) sinks.push(kinesisDeliverySink(kinesis));
  const running = await startRecording({
    source: 'agent',
    mode: recording.mode,
    agentId: config.id,
    spool: {
      dir,
      segmentBytes: recording.spool.segmentBytes,
      fsync: recording.spool.fsync,
      fsyncIntervalMs: recording.spool.fsyncIntervalMs,
      io,
    },
    ...(wrapper === undefined ? {} : { encryption: { wrapper } }),
    sinks,
    logger: childLogger(logger, { component: 'recording' }),
  });
  logger.info(
    {
      spool: dir,
      mode: recording.mode,
      sinks: sinks.map((s) => s.name),
      encryption: wrapper?.kind ?? 'none',
    },
    'recording sessions (agent side)',
  );
  return {
    ...running,
    close: async (timeoutMs) => {
      await running.close(timeoutMs);
      kinesis?.close();
    },
  };
}
