export {
  createVaultServer,
  RUG_PULL_DESCRIPTION,
  VAULT_CUSTOMER,
  WEATHER_DESCRIPTION,
} from './vault-server.js';

/** The vault server's stdio entry point, for a connection's `command`/`args`. */
export const VAULT_STDIO_BIN = new URL('./vault-stdio.js', import.meta.url).pathname;

// The other servers of `airlock dev`: a 2025-era kitchen sink (v1 SDK, stateful Streamable HTTP)
// and a 2026-07-28 server (v2 SDK). The test kit re-exports them for the tests.
export {
  bigText,
  createKitchenSinkServer,
  DEFAULT_WEATHER_DESCRIPTION,
  KITCHEN_SINK_CRASH_EXIT_CODE,
} from './servers/kitchen-sink.js';
export { startKitchenSinkHttp, type KitchenSinkHttpOptions } from './servers/kitchen-sink-http.js';
export { createModernServer } from './servers/modern-server.js';
export { startModernHttp, type ModernHttpOptions, type RunningModernServer } from './servers/modern-http.js';
export { MCP_PATH, serveLegacyHttp, type LegacyHttpOptions } from './servers/serve-legacy-http.js';

// Loopback HTTP plumbing the servers share.
export { closeServer, listen, urlHost, type RunningServer } from './http/listen.js';
export { toNodeListener, type FetchHandler } from './http/fetch-node-adapter.js';
export { isLoopbackRequest } from './http/loopback-guard.js';
export { readBody } from './http/read-body.js';
