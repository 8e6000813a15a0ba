/**
 * The one table of Airlock error codes. Every layer (HTTP, JSON-RPC, gRPC, CLI) translates an
 * `AirlockError` through this table, so a code means the same thing everywhere.
 *
 * JSON-RPC codes: -32700/-32600/-32601/-32602/-32603 are JSON-RPC 2.0's own; -32001 is what the MCP
 * SDKs answer for an unknown session; -32020 is the MCP 2026-07-28 HeaderMismatch code; -32022 is the
 * SDK's UnsupportedProtocolVersion; the rest sit in the JSON-RPC "server error" range -32000..-32099.
 */
export type AirlockErrorCode =
  | 'config_invalid'
  | 'parse_error'
  | 'invalid_request'
  | 'invalid_params'
  | 'header_mismatch'
  | 'unsupported_protocol_version'
  | 'protocol_era_mismatch'
  | 'not_acceptable'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'origin_forbidden'
  | 'unauthenticated'
  | 'insufficient_scope'
  | 'access_denied'
  | 'token_in_query'
  | 'identity_provider_unavailable'
  | 'connection_not_found'
  | 'session_not_found'
  | 'body_too_large'
  | 'message_too_large'
  | 'agent_unavailable'
  | 'agent_unauthenticated'
  | 'admin_forbidden'
  | 'agent_not_found'
  | 'agent_exists'
  | 'enrollment_unavailable'
  | 'upstream_failed'
  | 'upstream_closed'
  | 'tunnel_closed'
  | 'gateway_draining'
  | 'recording_unavailable'
  | 'recording_not_found'
  | 'masking_policy_invalid'
  | 'guardrail_denied'
  | 'approval_unavailable'
  | 'approval_decided'
  | 'approval_forbidden'
  | 'approval_not_found'
  | 'approval_denied'
  | 'approval_expired'
  | 'approval_outcome_unknown'
  | 'access_request_invalid'
  | 'access_grant_not_found'
  | 'access_grant_ended'
  | 'tool_not_accepted'
  | 'csrf_refused'
  | 'console_sign_in_failed'
  | 'console_unavailable'
  | 'peer_unauthenticated'
  | 'peer_refused'
  | 'aws_role_unavailable'
  | 'too_many_streams'
  | 'internal';

/** gRPC status numbers (from grpc's status.proto), kept here so `core` needs no gRPC import. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorCatalogueEntry {
  readonly httpStatus: number;
  readonly jsonRpcCode: number;
  readonly grpcStatus: number;
}

export const errorCatalogue: Readonly<Record<AirlockErrorCode, ErrorCatalogueEntry>> = Object.freeze({
  config_invalid: { httpStatus: 500, jsonRpcCode: -32603, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  parse_error: { httpStatus: 400, jsonRpcCode: -32700, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  invalid_request: { httpStatus: 400, jsonRpcCode: -32600, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  invalid_params: { httpStatus: 400, jsonRpcCode: -32602, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  header_mismatch: { httpStatus: 400, jsonRpcCode: -32020, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  unsupported_protocol_version: {
    httpStatus: 400,
    jsonRpcCode: -32022,
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
  },
  protocol_era_mismatch: { httpStatus: 400, jsonRpcCode: -32022, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  not_acceptable: { httpStatus: 406, jsonRpcCode: -32600, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  unsupported_media_type: { httpStatus: 415, jsonRpcCode: -32600, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  method_not_allowed: { httpStatus: 405, jsonRpcCode: -32600, grpcStatus: GrpcStatus.UNIMPLEMENTED },
  origin_forbidden: { httpStatus: 403, jsonRpcCode: -32600, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  unauthenticated: { httpStatus: 401, jsonRpcCode: -32600, grpcStatus: GrpcStatus.UNAUTHENTICATED },
  insufficient_scope: { httpStatus: 403, jsonRpcCode: -32600, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  // A connection refused by access rules is HTTP 403; a refused call inside a session is answered
  // in-band (HTTP 200, this JSON-RPC code), like any other JSON-RPC error.
  access_denied: { httpStatus: 403, jsonRpcCode: -32006, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  // RFC 6750 §3.1: a malformed request (here: a token where it must not be) is invalid_request, 400.
  token_in_query: { httpStatus: 400, jsonRpcCode: -32600, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  identity_provider_unavailable: { httpStatus: 503, jsonRpcCode: -32005, grpcStatus: GrpcStatus.UNAVAILABLE },
  connection_not_found: { httpStatus: 404, jsonRpcCode: -32004, grpcStatus: GrpcStatus.NOT_FOUND },
  session_not_found: { httpStatus: 404, jsonRpcCode: -32001, grpcStatus: GrpcStatus.NOT_FOUND },
  body_too_large: { httpStatus: 413, jsonRpcCode: -32600, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED },
  message_too_large: { httpStatus: 502, jsonRpcCode: -32603, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED },
  agent_unavailable: { httpStatus: 503, jsonRpcCode: -32003, grpcStatus: GrpcStatus.UNAVAILABLE },
  agent_unauthenticated: { httpStatus: 401, jsonRpcCode: -32600, grpcStatus: GrpcStatus.UNAUTHENTICATED },
  // The admin API (airlock agents ...): a caller outside gateway.admin.groups, and enrollment states.
  admin_forbidden: { httpStatus: 403, jsonRpcCode: -32600, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  agent_not_found: { httpStatus: 404, jsonRpcCode: -32600, grpcStatus: GrpcStatus.NOT_FOUND },
  agent_exists: { httpStatus: 409, jsonRpcCode: -32600, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  enrollment_unavailable: {
    httpStatus: 409,
    jsonRpcCode: -32603,
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
  },
  /** A request on a gateway's internal (cluster) listener without a valid peer signature. */
  peer_unauthenticated: { httpStatus: 401, jsonRpcCode: -32600, grpcStatus: GrpcStatus.UNAUTHENTICATED },
  /**
   * A gateway could not forward a request to the gateway that owns its session because the two do
   * not trust each other (TLS certificate refused either way, cluster secret differs, one speaks
   * TLS and the other not): a configuration fault of the cluster, answered to the client as 502.
   */
  peer_refused: { httpStatus: 502, jsonRpcCode: -32017, grpcStatus: GrpcStatus.UNAVAILABLE },
  upstream_failed: { httpStatus: 502, jsonRpcCode: -32002, grpcStatus: GrpcStatus.UNAVAILABLE },
  upstream_closed: { httpStatus: 502, jsonRpcCode: -32002, grpcStatus: GrpcStatus.UNAVAILABLE },
  tunnel_closed: { httpStatus: 503, jsonRpcCode: -32003, grpcStatus: GrpcStatus.UNAVAILABLE },
  gateway_draining: { httpStatus: 503, jsonRpcCode: -32003, grpcStatus: GrpcStatus.UNAVAILABLE },
  // Strict recording fails closed: the local spool could not take the event (disk full, permission).
  recording_unavailable: { httpStatus: 503, jsonRpcCode: -32007, grpcStatus: GrpcStatus.UNAVAILABLE },
  // A recorded session that does not exist, or is not the caller's to see (the same answer, so its
  // existence is not revealed).
  recording_not_found: { httpStatus: 404, jsonRpcCode: -32600, grpcStatus: GrpcStatus.NOT_FOUND },
  /** The agent cannot run the masking asked for a session (e.g. a custom pattern its engine refuses): fail closed. */
  masking_policy_invalid: {
    httpStatus: 502,
    jsonRpcCode: -32008,
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
  },
  /** A guardrail rule refused the request (or replaced a response); the error names the rule. */
  guardrail_denied: { httpStatus: 403, jsonRpcCode: -32009, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  /** A rule holds the call for approval, and this gateway cannot hold calls yet: refused (fail closed). */
  approval_unavailable: { httpStatus: 403, jsonRpcCode: -32010, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  /** An approval that is already decided or expired, or a second vote by the same person. */
  approval_decided: { httpStatus: 409, jsonRpcCode: -32600, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  /** A vote the voter may not cast: their own call, or not in an approver group. */
  approval_forbidden: { httpStatus: 403, jsonRpcCode: -32600, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  /** An approval id that does not exist, or that the caller may not see (the same answer). */
  approval_not_found: { httpStatus: 404, jsonRpcCode: -32600, grpcStatus: GrpcStatus.NOT_FOUND },
  /** The held call was denied by an approver: the error names the approval, who denied and why. */
  approval_denied: { httpStatus: 403, jsonRpcCode: -32012, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  /** Nobody decided the held call within its hold budget. */
  approval_expired: { httpStatus: 408, jsonRpcCode: -32013, grpcStatus: GrpcStatus.DEADLINE_EXCEEDED },
  /** The approved call was released once, but its outcome was not stored (the gateway stopped mid-call). */
  approval_outcome_unknown: {
    httpStatus: 409,
    jsonRpcCode: -32014,
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
  },
  /** A just-in-time access request that cannot be accepted: bad duration, over the maximum, no JIT for the connection. */
  access_request_invalid: { httpStatus: 400, jsonRpcCode: -32602, grpcStatus: GrpcStatus.INVALID_ARGUMENT },
  /** A grant or access request id that does not exist, or that the caller may not see. */
  access_grant_not_found: { httpStatus: 404, jsonRpcCode: -32600, grpcStatus: GrpcStatus.NOT_FOUND },
  /** The session existed only because of a just-in-time grant that has expired or was revoked. */
  access_grant_ended: { httpStatus: 403, jsonRpcCode: -32015, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  /** Tool pinning: the tool (or the connection, in block mode) changed and is not yet accepted. */
  tool_not_accepted: { httpStatus: 403, jsonRpcCode: -32011, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  /** A console (cookie) request that changes state without the session's CSRF token, or from another origin. */
  csrf_refused: { httpStatus: 403, jsonRpcCode: -32600, grpcStatus: GrpcStatus.PERMISSION_DENIED },
  /** The console's sign-in with the identity provider did not complete (bad state, refused code). */
  console_sign_in_failed: { httpStatus: 401, jsonRpcCode: -32600, grpcStatus: GrpcStatus.UNAUTHENTICATED },
  /** The console is switched off, or its files were not built. */
  console_unavailable: { httpStatus: 404, jsonRpcCode: -32600, grpcStatus: GrpcStatus.NOT_FOUND },
  /**
   * The agent could not assume the connection's IAM role for this person (STS refused, throttled or
   * unreachable): the session fails, the error names the connection and role, never a credential.
   */
  aws_role_unavailable: { httpStatus: 502, jsonRpcCode: -32016, grpcStatus: GrpcStatus.FAILED_PRECONDITION },
  /** A person already holds as many live-update streams on this gateway as it allows. */
  too_many_streams: { httpStatus: 429, jsonRpcCode: -32600, grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED },
  internal: { httpStatus: 500, jsonRpcCode: -32603, grpcStatus: GrpcStatus.INTERNAL },
});

const codes = new Set<string>(Object.keys(errorCatalogue));

export function isAirlockErrorCode(value: string): value is AirlockErrorCode {
  return codes.has(value);
}
