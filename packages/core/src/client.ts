/**
 * `@airlock/core/client`: what Airlock's command-line client needs on every start, without the
 * configuration schema, the policy engines and their libraries (zod and yaml alone are about half
 * of the start-up of an `airlock` command). A command that parses a configuration or compiles a
 * policy imports `@airlock/core` when it runs. Everything here is also exported by `@airlock/core`,
 * from the same modules, so `instanceof AirlockError` holds across both.
 */
export { AirlockError, type AirlockErrorOptions } from './errors/airlock-error.js';
export { isAirlockErrorCode, type AirlockErrorCode } from './errors/error-catalogue.js';
export { formatDuration } from './config/duration.js';
export { isLoopbackHost } from './net/loopback-host.js';
export { listenFailure } from './net/listen-failure.js';
export { withOwnAbortSignal } from './net/own-abort-signal.js';
export {
  describeAccessStep,
  describeApprovalStep,
  describeAwsCredentials,
} from './recording/recorded-steps.js';
