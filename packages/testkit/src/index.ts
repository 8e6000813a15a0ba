// @airlock/testkit — real MCP servers and clients for Airlock's end-to-end tests. See README.md.

// Servers: the legacy kitchen sink (v1 SDK), the modern server (v2 SDK), the
// conformance fixtures (2025-era on the v1 SDK, 2026-07-28 on the v2 SDK).
// The kitchen sink and the modern server are demo servers `airlock dev` runs, so they live in
// @airlock/demo (the shipped CLI must not depend on test code); re-exported here for the tests.
export {
  bigText,
  createKitchenSinkServer,
  createModernServer,
  DEFAULT_WEATHER_DESCRIPTION,
  KITCHEN_SINK_CRASH_EXIT_CODE,
  MCP_PATH,
  serveLegacyHttp,
  startKitchenSinkHttp,
  startModernHttp,
  toNodeListener,
  type FetchHandler,
  type KitchenSinkHttpOptions,
  type LegacyHttpOptions,
  type ModernHttpOptions,
  type RunningModernServer,
  type RunningServer,
} from '@airlock/demo';
export {
  CONFORMANCE_PNG_BASE64,
  createConformanceServer,
  startConformanceHttp,
  type ConformanceHttpOptions,
} from './servers/conformance-server.js';
export {
  startModernConformanceHttp,
  type ModernConformanceHttpOptions,
} from './servers/modern-conformance-server.js';
export { createMemoryEventStore } from './http/memory-event-store.js';
export { startRawEchoHttp, type RawEchoHttp } from './http/raw-echo-http.js';

// Clients.
export { connectV1Client, createV1Client, type V1ClientOptions } from './clients/connect-v1-client.js';
export {
  connectV2Client,
  createV2Client,
  MODERN_PROTOCOL_VERSION,
  type V2ClientOptions,
} from './clients/connect-v2-client.js';
export {
  collectNotifications,
  type NotificationLog,
  type RecordedNotification,
} from './clients/collect-notifications.js';

// Processes.
export { testkitBins } from './bins.js';
export { freePort } from './process/free-port.js';
export {
  spawnNode,
  type NodeProcess,
  type SpawnNodeOptions,
  type WaitForLineOptions,
} from './process/spawn-node.js';
export { startServerProcess, type ServerProcess } from './process/start-server-process.js';
export { shippedNodePath } from './process/shipped-node.js';
export { waitFor, type WaitForOptions } from './process/wait-for.js';
export { TemporaryDirectories } from './files/temporary-directories.js';
export { repeatedKeys } from './logs/repeated-keys.js';

// Identity: an in-process OpenID Provider with demo users, and forged tokens for negative tests.
// The dev provider itself (password logins, as `airlock dev` runs it) for tests of the login flows.
export { DEMO_PEOPLE, startLoopbackIdentityProvider, type DemoPerson } from '@airlock/dev-identity';
export { DEMO_USERS, type TestUser } from './oidc/demo-users.js';
export { forgeToken, type ForgeryKind, type ForgeTokenInput } from './oidc/forge-token.js';
export {
  completeBrowserLogin,
  type BrowserLoginInput,
  type BrowserLoginResult,
} from './oidc/scripted-browser.js';
export type { TokenSet } from './oidc/authorization-code-flow.js';
export {
  startTestIdentityProvider,
  TEST_CLIENTS,
  type IssueAccessTokenInput,
  type TestIdentityProvider,
  type TestIdentityProviderOptions,
  type TestResourceServer,
} from './oidc/test-identity-provider.js';

// PostgreSQL: a throwaway cluster from the server binaries on this machine.
export { findPostgresBinaries, type PostgresBinaries } from './postgres/find-postgres-binaries.js';
export { startPostgres, type RunningPostgres, type StartPostgresOptions } from './postgres/start-postgres.js';

// Kinesis: kinesalite in-process, and a fault-injecting proxy in front of it.
export {
  KINESALITE_REGION,
  startKinesalite,
  type KinesaliteOptions,
  type RunningKinesalite,
} from './kinesis/start-kinesalite.js';
export {
  startKinesisFaultProxy,
  type FailEntriesOptions,
  type KinesisFaultProxy,
  type KinesisProxyEntry,
  type KinesisProxyRequest,
  type OutageMode,
} from './kinesis/kinesis-fault-proxy.js';

// STS: an in-process AssumeRole (Query API over HTTP) for the agent's per-person role credentials.
export {
  startFakeSts,
  type AssumeRoleCall,
  type IssuedCredentials,
  type RunningFakeSts,
} from './sts/fake-sts.js';
