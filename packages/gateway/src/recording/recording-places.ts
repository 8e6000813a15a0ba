import { join } from 'node:path';
import { AirlockError, type GatewayConfig, type RecordingConfig } from '@airlock/core';

/** Where the gateway's recording goes: its spool directory and, with a PGlite store, its directory. */
export interface GatewayRecordingPlaces {
  readonly spoolDir: string;
  /** Set when `recording.store.kind` is `pglite`. */
  readonly pgliteDir: string | undefined;
}

const NO_PLACE =
  'Recording is on, but the gateway has nowhere to keep its recording spool and store. Set gateway.dataDir (spool in <dataDir>/spool, PGlite store in <dataDir>/store), or recording.spool.dir and recording.store; or, only where recording is not wanted, recording.enabled: false.';

/**
 * Decides where recording goes, or throws the startup error saying how to give it a place (fail
 * closed). Pure, so `airlock config check` reports the same problems startup would.
 */
export function gatewayRecordingPlaces(
  config: GatewayConfig,
  recording: RecordingConfig,
): GatewayRecordingPlaces {
  const spoolDir =
    recording.spool.dir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'spool'));
  if (spoolDir === undefined) throw new AirlockError('config_invalid', NO_PLACE);
  const { store } = recording;
  let pgliteDir: string | undefined;
  if (store.kind === 'pglite') {
    pgliteDir = store.dataDir ?? (config.dataDir === undefined ? undefined : join(config.dataDir, 'store'));
    if (pgliteDir === undefined) throw new AirlockError('config_invalid', NO_PLACE);
  }
  if (store.kind === 'none' && recording.kinesis === undefined) {
    throw new AirlockError(
      'config_invalid',
      'recording.store.kind is "none" and no recording.kinesis stream is set: recorded events would go nowhere. Configure a store or a Kinesis stream, or set recording.enabled: false.',
    );
  }
  return { spoolDir, pgliteDir };
}
