export { startGatewayHttp, type GatewayHttp, type GatewayHttpOptions } from './gateway-http.js';
export type { AgentDirectory } from './mcp/agent-directory.js';
export { createUnauthenticatedIdentity, isLoopbackHost } from './identity/dev-identity.js';
