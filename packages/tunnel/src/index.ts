export type { FrameMeta, TunnelMessage, TunnelStream, TunnelStreamHandler } from './tunnel-stream.js';

export {
  TunnelServer,
  type TunnelServerCloseOptions,
  type TunnelServerEvents,
  type TunnelServerOptions,
  type TunnelServerTls,
} from './server/tunnel-server.js';
export {
  EnrolledAgentAuthenticator,
  type AgentAuthenticator,
  type AgentIdentity,
  type EnrolledAgent,
} from './server/agent-authenticator.js';
export type { AgentStatus } from './server/connected-agent.js';
export { type RecordHandler } from './server/record-call.js';
export type { ConnectionAvailability } from './server/agent-registry.js';

export {
  TunnelClient,
  type TunnelClientEvents,
  type TunnelClientOptions,
  type TunnelClientState,
} from './client/tunnel-client.js';
export type { TunnelClientTls } from './client/channel-setup.js';
export type { ReconnectPolicy } from './client/reconnect-backoff.js';

export { GrpcTunnelStream, type TunnelStreamStats } from './stream/grpc-tunnel-stream.js';
export { DEFAULT_MAX_CHUNK_BYTES } from './stream/frame-chunker.js';
export { DEFAULT_MAX_MESSAGE_BYTES } from './stream/message-assembler.js';
export type { AnnouncedConnection, ConnectionTransport } from './proto/wire-mapping.js';

export { generateAgentToken, hashAgentToken } from './auth/agent-token.js';
export {
  createCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
} from './tls/certificate-authority.js';
export {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from './tls/self-signed-certificate.js';
export { isTraceEnabled } from './trace.js';
