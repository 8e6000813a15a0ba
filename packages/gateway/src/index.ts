export { startGatewayHttp, type GatewayHttp, type GatewayHttpOptions } from './gateway-http.js';
export type { AgentDirectory } from './mcp/agent-directory.js';
export { createUnauthenticatedIdentity, isLoopbackHost } from './identity/dev-identity.js';
export { createOidcIdentity, type OidcIdentityOptions } from './identity/oidc-identity.js';
export { resourceMetadataUrl, resourceUrl } from './identity/resource-url.js';
export { startGateway, type RunningGateway, type StartGatewayOptions } from './start-gateway.js';
