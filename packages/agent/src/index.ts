export {
  createAgent,
  type Agent,
  type AgentTunnel,
  type AgentTunnelOptions,
  type AnnouncedConnection,
  type CreateAgentOptions,
  type SessionHandler,
  type TunnelFactory,
} from './agent.js';
export { agentLogRedactPaths, createAgentLogger } from './agent-logger.js';
export { bridgeSession, type BridgedSession, type BridgeSessionOptions } from './session-bridge.js';

export { AwsCredentialCache, type AwsCredentialProvider } from './credentials/aws-credential-cache.js';
export { awsEnvironment } from './credentials/aws-environment.js';
export {
  fixedCredentials,
  type AwsCredentials,
  type CredentialSource,
} from './credentials/credential-source.js';

export {
  RoleCredentials,
  type AssumableRole,
  type AssumedRole,
  type RoleCredentialsOptions,
  type RoleSessionRequest,
} from './credentials/role-credentials.js';
export { assumeRoleError, refusalOf, type AssumeRoleRefusal } from './credentials/assume-role-error.js';
export {
  roleSessionName,
  sessionTags,
  sourceIdentity,
  SESSION_TAG_KEYS,
} from './credentials/sts-identity.js';
export { NodeSha256 } from './credentials/node-sha256.js';

export { HttpConnector, type HttpConnectorOptions } from './upstream/http-connector.js';
export { StdioConnector, type StdioConnectorOptions } from './upstream/stdio-upstream.js';
export type {
  UpstreamConnector,
  UpstreamMessageMeta,
  UpstreamSession,
  UpstreamSink,
} from './upstream/upstream.js';
export { grpcTunnelFactory, startAgent, type RunningAgent, type StartAgentOptions } from './start-agent.js';
export { AgentCalls, type AgentCall } from './agent-calls.js';
export { agentSpoolDir } from './agent-recording.js';
export { DnsGatewayFleet, type DnsGatewayFleetOptions } from './discovery/dns-gateway-fleet.js';
export { systemGatewayResolver, type GatewayResolver } from './discovery/gateway-resolver.js';
