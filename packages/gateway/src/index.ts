export { startGatewayHttp, type GatewayHttp, type GatewayHttpOptions } from './gateway-http.js';
export type { AgentDirectory } from './mcp/agent-directory.js';
export { createUnauthenticatedIdentity } from './identity/dev-identity.js';
export { createOidcIdentity, type OidcIdentityOptions } from './identity/oidc-identity.js';
export { resourceMetadataUrl, resourceUrl } from './identity/resource-url.js';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './start-gateway.js';
export { gatewayRecordingPlaces, type GatewayRecordingPlaces } from './recording/recording-places.js';
export { createSessionAccess, type SessionAccess, type SessionVisibility } from './api/session-access.js';
export { createSessionsApi, SESSIONS_API_PATH, type SessionsApiOptions } from './api/sessions-api.js';
export { markdownTranscript } from './api/markdown-transcript.js';
export { APPROVALS_API_PATH, createApprovalsApi, type ApprovalsApiOptions } from './api/approvals-api.js';
export { approvalView } from './api/approval-view.js';
export { ApprovalDecisions, type ApprovalDecisionListener } from './approvals/approval-decisions.js';
export { createOriginPolicy, type RequestOriginPolicy } from './http/origin-policy.js';
export {
  createApprovalNotifier,
  type ApprovalNotifier,
  type ApprovalNotifierOptions,
} from './approvals/approval-notifier.js';
export type { ApprovalEvent, ApprovalLinks, ApprovalWebhookPayload } from './approvals/approval-payloads.js';
export type { SlackApprovalPayload } from './approvals/slack-approval-payload.js';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookSignatureCheck,
} from './approvals/webhook-signature.js';
export type { WebhookBackoff } from './approvals/webhook-backoff.js';
