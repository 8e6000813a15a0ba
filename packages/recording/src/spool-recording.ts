// @airlock/recording/spool: what a role without a store (the agent) needs to record: the spool,
// its delivery pumps, key wrapping, and Kinesis loaded only when configured. Its own entry point
// because the main one also loads both stores (PGlite, pg) and the AWS SDK's Kinesis and KMS
// clients, which an agent never uses and which cost it about 40 MB resident.
export type { DeliverySink } from './delivery/delivery-sink.js';
export { kinesisDeliverySink } from './delivery/kinesis-delivery-sink.js';
export {
  startRecording,
  type RunningRecording,
  type StartRecordingOptions,
} from './delivery/start-recording.js';
export type { SpoolIo } from './spool/spool-io.js';
export { keyWrapperFromConfig } from './crypto/key-wrapper-from-config.js';
export { openKinesisSink } from './kinesis/open-kinesis-sink.js';
