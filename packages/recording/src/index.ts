// Store: PGlite (embedded) or PostgreSQL (shared), one schema, search and replay queries.
export {
  DEFAULT_EVENT_PAGE_BYTES,
  MAX_EVENT_PAGE_SIZE,
  MAX_SESSION_PAGE_SIZE,
  type EventPage,
  type EventPageQuery,
  type EventPosition,
  type EventQuery,
  type PurgeResult,
  type RecordingStore,
  type SessionFilter,
  type SessionPage,
  type SessionScope,
  type SessionStatus,
  type SessionSummary,
} from './store/recording-store.js';
export type { MessageIndexing } from './store/message-search.js';
export { PgliteStore, type PgliteStoreOptions } from './store/pglite-store.js';
export { WorkerStore, type WorkerStoreOptions } from './store/worker-store.js';
export { StoreBacklog } from './store/store-backlog.js';
export { parseAgentEvents } from './store/agent-events.js';
export { trimHeapWhenQuiet, type HeapTrimOptions } from './memory/heap-trim.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';

// Console sign-in records (migration 8), shared by the gateways on the store.
export {
  MAX_PENDING_SIGN_INS,
  type ConsoleRecordKind,
  type ConsoleSessionStore,
} from './console/console-session-store.js';

// Cluster: the gateways sharing a PostgreSQL store, and the agents enrolled there.
export type { GatewayPeer, GatewayPeerStore } from './cluster/gateway-peer-store.js';
export type { AgentEnrollmentStore, StoredEnrollment } from './cluster/agent-enrollment-store.js';
export { SqlGatewayPeers } from './cluster/sql-gateway-peers.js';
export { SqlAgentEnrollments } from './cluster/sql-agent-enrollments.js';
export type { ModernGroupLease, ModernGroupRef, ModernGroupStore } from './cluster/modern-group-store.js';
export { SqlModernGroups } from './cluster/sql-modern-groups.js';
export { NORMAL_END_REASONS, statusForEndReason } from './store/session-status.js';
export { eventPages, type EventPagesOptions } from './store/event-pages.js';
export { decodeEventCursor, encodeEventCursor } from './store/event-cursor.js';
export { eventsByTime } from './store/events-by-time.js';
export { chainsByTime } from './store/chains-by-time.js';

// Spool: the durable local write-ahead log every event is appended to before it counts as recorded.
export {
  DEFAULT_SEGMENT_BYTES,
  DEFAULT_SPOOL_SINKS,
  Spool,
  type SpoolBatch,
  type SpoolOptions,
  type SpoolRecord,
} from './spool/spool.js';
export { DEFAULT_FSYNC_INTERVAL_MS, FSYNC_POLICIES, type FsyncPolicy } from './spool/fsync-policy.js';
export { comparePositions, formatPosition, type SpoolPosition } from './spool/spool-position.js';
export type { SpoolProblem } from './spool/spool-problem.js';
export { nodeSpoolIo, type SpoolIo } from './spool/spool-io.js';
export { recordingUnavailable } from './spool/recording-unavailable.js';

// Recorder: the MessageRecorder of the gateway and of the agent (hash-chained events per session).
export {
  SessionRecorder,
  type EventAppender,
  type RecorderEntry,
  type RecordingMode,
  type SessionRecorderOptions,
} from './recorder/session-recorder.js';
export { sha256Hex } from './recorder/sha256-hex.js';

// Verify: both hash chains of a session and whether the gateway's and agent's records agree.
export { verifySession, verifySessionPages } from './verify/verify-session.js';
export { checkAgreement } from './verify/records-agreement.js';
export type {
  AgreementMismatch,
  AgreementProblem,
  AgreementReport,
  ChainReport,
  InFlightCall,
  SessionVerification,
  GatewayChainReport,
} from './verify/verification-report.js';

// Kinesis: the producer side (PutRecords batching, chunking, retries) and its record format.
export {
  KinesisSink,
  type KinesisRetry,
  type KinesisSinkMetrics,
  type KinesisSinkOptions,
} from './kinesis/kinesis-sink.js';
export { createKinesisClient, type KinesisConnectionOptions } from './kinesis/kinesis-client.js';
export { openKinesisSink } from './kinesis/open-kinesis-sink.js';
export { CHUNK_ENVELOPE_VERSION, type ChunkEnvelope } from './kinesis/chunk-envelope.js';
export { encodeEventRecords, type KinesisRecord } from './kinesis/event-records.js';
export { batchRecords } from './kinesis/record-batches.js';
export { KINESIS_LIMITS, type KinesisLimits } from './kinesis/kinesis-limits.js';
export { partitionKeyFor } from './kinesis/partition-key.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './kinesis/backoff.js';

// Audit: the security team's consumer of the stream (dedupe, reassembly, reorder, chain checks).
export { KinesisAuditConsumer, type KinesisAuditConsumerOptions } from './audit/kinesis-audit-consumer.js';
export {
  AuditPipeline,
  type AuditPipelineOptions,
  type AuditPipelineStats,
  type StreamRecordData,
} from './audit/audit-pipeline.js';
export type {
  AuditChainBreakItem,
  AuditChainJoinedItem,
  AuditEventItem,
  AuditInvalidRecordItem,
  AuditItem,
} from './audit/audit-item.js';
export { DEFAULT_REORDER_WINDOW, type ReorderWindow } from './audit/chain-follower.js';
export type { StreamStart } from './audit/stream-reader.js';
export { formatAuditItem } from './audit/format-audit-item.js';

// Delivery: the pumps from the spool to the store, Kinesis and (on the agent) the gateway.
export type { DeliverySink } from './delivery/delivery-sink.js';
export {
  DEFAULT_DELIVERY_LINGER_MS,
  SpoolDelivery,
  type SpoolDeliveryOptions,
  type SpoolDeliveryStats,
} from './delivery/spool-delivery.js';
export { storeDeliverySink } from './delivery/store-delivery-sink.js';
export { kinesisDeliverySink } from './delivery/kinesis-delivery-sink.js';
export {
  startRecording,
  type RunningRecording,
  type StartRecordingOptions,
} from './delivery/start-recording.js';

// Encryption at rest: AES-256-GCM, one data key per session, wrapped by a local key file or AWS KMS.
export type { GeneratedDataKey, KeyWrapper } from './crypto/key-wrapper.js';
export { LocalKeyFileWrapper } from './crypto/local-key-file-wrapper.js';
export { keyWrapperFromConfig } from './crypto/key-wrapper-from-config.js';
export {
  KmsKeyWrapper,
  kmsApiFromClient,
  type KmsApi,
  type KmsKeyWrapperOptions,
} from './crypto/kms-key-wrapper.js';
export {
  SessionKeyRing,
  type SealedValue,
  type SessionKeyRingOptions,
  type SessionKeyStore,
  type StoredSessionKey,
} from './crypto/session-key-ring.js';
export {
  CIPHERTEXT_VERSION,
  decodeCiphertextBlock,
  type CiphertextBlock,
} from './crypto/ciphertext-block.js';
export { eventAad } from './crypto/event-aad.js';
export { cryptoFailureReason, type CryptoFailureReason } from './crypto/crypto-errors.js';
export type { SqlRecordingStoreOptions, StoreEncryptionOptions } from './store/sql-recording-store.js';
export type { SpoolPurgeResult } from './spool/spool.js';

// Retention: the periodic purge of store and spool, recorded as an audit event.
export {
  DEFAULT_RETENTION_DAYS,
  DEFAULT_RETENTION_INTERVAL_MS,
  RetentionJob,
  type RetentionJobOptions,
  type RetentionRun,
} from './retention/retention-job.js';
export { MemoryToolPins } from './pins/memory-tool-pins.js';
export type {
  ToolPin,
  ToolPinChange,
  ToolPinStatus,
  ToolPinStore,
  ToolSighting,
  ToolSightingResult,
} from './pins/tool-pin-store.js';

// Held calls (approvals) and just-in-time access grants: in the store, shared by gateways.
export type {
  ApprovalFilter,
  ApprovalPage,
  ApprovalRecord,
  ApprovalRequester,
  ApprovalStore,
  ApprovalViewer,
  HeldCallRequest,
  HoldResult,
} from './approvals/approval-store.js';
export type {
  AccessDecision,
  AccessGrant,
  AccessGrantFilter,
  AccessGrantStatus,
  AccessGrantStore,
  AccessRequest,
} from './access/access-grant-store.js';
export { MemoryApprovals } from './approvals/memory-approvals.js';
export { MemoryAccessGrants } from './access/memory-access-grants.js';
export { SqlAccessGrants } from './access/sql-access-grants.js';
export { MAX_APPROVAL_PAGE_SIZE, SqlApprovals } from './approvals/sql-approvals.js';
export { approvalNotFound } from './approvals/approval-not-found.js';
export { effectiveStatus, isJoinable, isVisibleTo } from './approvals/approval-view.js';
export type {
  ApprovalChangeFilter,
  ChangeFeedStore,
  ChangePage,
  SessionChangeFilter,
} from './changes/change-feed-store.js';
export { MAX_CHANGE_PAGE_SIZE } from './changes/change-feed-store.js';
export type { StopWatching, StoreChange } from './changes/store-change.js';
