// @airlock/dev-identity — the OpenID Provider of `airlock dev`, on loopback only. Tests reuse it.

export { DEMO_PEOPLE, type DemoPerson } from './demo-people.js';
export {
  AIRLOCK_CLI_CLIENT_ID,
  AIRLOCK_CONSOLE_CLIENT_ID,
  startLoopbackIdentityProvider,
  type LoopbackIdentityProvider,
  type LoopbackIdentityProviderOptions,
  type ResourceServerInfo,
} from './loopback-identity-provider.js';
// Listening and closing an HTTP server on loopback, shared with the test kit.
export { closeServer, listen } from './loopback-server.js';
