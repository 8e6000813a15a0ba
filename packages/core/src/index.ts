export { AirlockError, type AirlockErrorOptions } from './errors/airlock-error.js';
export {
  errorCatalogue,
  GrpcStatus,
  isAirlockErrorCode,
  type AirlockErrorCode,
  type ErrorCatalogueEntry,
} from './errors/error-catalogue.js';

export {
  errorResponse,
  idFromKey,
  idKey,
  isNotification,
  isRequest,
  isResponse,
  messageKind,
  type JsonRpcErrorObject,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcMessageKind,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcResultResponse,
} from './mcp/jsonrpc.js';
export { assertJsonRpcMessage, parseJsonRpcMessage } from './mcp/parse-message.js';
export { MAX_JSON_DEPTH, parseUntrustedJson, type UntrustedJsonLimits } from './mcp/untrusted-json.js';
export {
  DEFAULT_LEGACY_PROTOCOL_VERSION,
  eraOf,
  FIRST_MODERN_PROTOCOL_VERSION,
  isSupportedProtocolVersion,
  LEGACY_PROTOCOL_VERSIONS,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ProtocolEra,
} from './mcp/protocol-eras.js';
export {
  decodeMcpHeaderValue,
  encodeMcpHeaderValue,
  MCP_NAME_SOURCE,
  mcpNameSource,
} from './mcp/mcp-name-header.js';
export {
  classifyInbound,
  unsupportedProtocolVersion,
  type ClassifyOptions,
  standardHeadersFor,
  type InboundClassification,
  type McpRequestHeaders,
} from './mcp/classify-inbound.js';

export {
  configSchema,
  connectionSchema,
  type AccessConfig,
  type AccessRuleConfig,
  type JitRuleConfig,
  type ApprovalWebhookConfig,
  type ClusterConfig,
  type ApprovalsConfig,
  type AgentConfig,
  type AirlockConfig,
  type ConnectionConfig,
  type ConnectionEra,
  type GatewayConfig,
  type RecordingConfig,
  type HttpConnectionConfig,
  type StdioConnectionConfig,
} from './config/schema.js';
export {
  applyEnvironment,
  compileConfiguredGuardrails,
  formatIssuePath,
  parseConfig,
} from './config/parse-config.js';
export {
  listenerTlsSchema,
  operationsSchema,
  shutdownSchema,
  telemetrySchema,
  type ListenerTlsConfig,
  type OperationsConfig,
  type ShutdownConfig,
  type TelemetryConfig,
  type TracingConfig,
} from './config/operations-schema.js';
export {
  MAX_SESSION_POLICY_CHARS,
  type AwsRoleConfig,
  type HttpAwsConfig,
  type StdioAwsConfig,
} from './config/aws-schema.js';
export {
  agentMaskingSchema,
  customDetectorSchema,
  gatewayMaskingRuleSchema,
  type AgentMaskingConfig,
  type CustomDetectorConfig,
  type GatewayMaskingRuleConfig,
  type MaskingReplacementConfig,
} from './config/masking-schema.js';
export {
  approvalSchema,
  guardrailsSchema,
  type ApprovalConfig,
  type GuardrailAction,
  type GuardrailPackRefConfig,
  type GuardrailRuleConfig,
  type GuardrailsConfig,
} from './config/guardrails-schema.js';
export { pinningRuleSchema, type PinningMode, type PinningRuleConfig } from './config/pinning-schema.js';
export {
  BUILTIN_DETECTORS,
  DETECTOR_GROUPS,
  detectorNameProblem,
  expandDetectorNames,
  isBuiltinDetector,
  type BuiltinDetectorName,
} from './masking/detector-names.js';
export type {
  InjectedSecret,
  MaskedValue,
  Masker,
  MaskingPolicy,
  MaskOptions,
} from './masking/masking-policy.js';
export { compileMasker } from './masking/compile-masker.js';
export { effectiveMaskingPolicy, maskingPolicyFromRule } from './masking/effective-policy.js';
export { customDetectorProblem } from './masking/detectors/custom-detector.js';
export {
  compileGuardrails,
  GuardrailCompileError,
  type CompiledGuardrail,
  type GuardrailDirection,
  type Guardrails,
} from './guardrails/compile-guardrails.js';
export { evaluateGuardrails, type GuardrailVerdict } from './guardrails/evaluate-guardrails.js';
export { createGuardrailPolicy } from './guardrails/guardrail-policy.js';
export { composePolicies, policyByDirection } from './policy/compose-policies.js';
export { screenToolDefinition } from './guardrails/screen-tool.js';
export { RULE_PACKS } from './guardrails/rule-packs.js';
export {
  agentNameSchema,
  enrollAgentRequestSchema,
  type AgentEnrollmentSource,
  type AgentView,
  type EnrollAgentRequest,
  type EnrollAgentResponse,
  type ListAgentsResponse,
} from './agents/agent-enrollment.js';

export { ANONYMOUS_CALLER, type Caller } from './relay/caller.js';
export type { Direction, RelayContext, RelayedMessage, SessionOpenRequest } from './relay/relay-context.js';
export {
  allowAllPolicy,
  noMasking,
  noRecording,
  type IdentityResolver,
  type MaskedMessage,
  type MessagePolicy,
  type PolicyMessageInfo,
  type MessageRecorder,
  type PolicyDecision,
  type HoldRequest,
  type RecordedMessage,
  type ResponseMasker,
} from './relay/seams.js';

export { compileGlob, globProblem, MAX_GLOB_LENGTH, type GlobMatcher } from './policy/glob.js';
export {
  compileAccessRules,
  type AccessItemKind,
  type AccessRules,
  type CompiledAccessRule,
  type CompiledGlob,
  type CompiledItemRules,
} from './policy/access-rules.js';
export {
  applicableRules,
  evaluateAccess,
  evaluateConnectionAccess,
  evaluateItemAccess,
  type AccessDecision,
} from './policy/evaluate-access.js';
export { accessTargetOf, listShapeOf, type AccessTarget, type ListShape } from './policy/access-targets.js';
export { createAccessPolicy, type AccessPolicyGrants } from './policy/access-policy.js';
export { grantCovering, type ActiveGrant, type GrantLookup } from './policy/active-grant.js';
export {
  accessRequestCommand,
  compileJitRules,
  mayDecide,
  mayRequest,
  type CompiledJitRule,
  type JitRules,
} from './policy/jit-rules.js';

export { REDACTED_LOG_PATHS } from './logging/redact-paths.js';
export { fixedFieldsLogger, type RedactingLogger } from './logging/fixed-fields-logger.js';
export { childLogger, type BindingLogger } from './logging/child-logger.js';

export { canonicalJson } from './recording/canonical-json.js';
export { quotedPieces } from './recording/json-quote.js';
export { canonicalJsonPieces, holdsLongString, type CanonicalPiece } from './recording/canonical-pieces.js';
export {
  messageBytes,
  messageJson,
  textBytes,
  type JsonPieces,
  type MessageText,
} from './mcp/json-pieces.js';
export {
  canonicalEventText,
  chainKeyOf,
  checkChainLink,
  GENESIS_HASH,
  READABLE_SCHEMA_VERSIONS,
  RECORDING_SCHEMA_VERSION,
  verifyChain,
  type ChainBreak,
  type GuardrailMatch,
  type MaskingFinding,
  type ToolChange,
  type RecordedDecision,
  type RecordedApproval,
  type RecordedAccessGrant,
  type RecordedAwsCredentials,
  type RecordedIdentity,
  type RecordingEvent,
  type SpooledEvent,
  type RecordingEventKind,
  type RecordingSource,
} from './recording/recording-event.js';

export { isLoopbackHost } from './net/loopback-host.js';
export { listenFailure } from './net/listen-failure.js';
export { withOwnAbortSignal } from './net/own-abort-signal.js';
export {
  castVote,
  requirementMet,
  type ApprovalBallot,
  type ApprovalRequirement,
  type ApprovalStatus,
  type ApprovalTally,
  type ApprovalVote,
} from './approvals/approval-votes.js';
export { approvalNeeds, type ApprovalNeeds } from './approvals/approval-needs.js';
export type { ApprovalListView, ApprovalView } from './approvals/approval-view.js';
export { durationProblem, formatDuration, MAX_DURATION_SECONDS, parseDuration } from './config/duration.js';
export {
  describeAccessStep,
  describeApprovalStep,
  describeAwsCredentials,
} from './recording/recorded-steps.js';
export type { AccessRequestView } from './access/access-request-view.js';
export { pinningModes } from './pinning/pinning-mode.js';
export type { ToolPinListView, ToolPinView } from './pinning/tool-pin-view.js';
