import type { Argv } from 'yargs';
import type { AdminTargetArgs } from './admin-target.js';

/** What every command that calls the gateway's API takes: which gateway, whose token, raw JSON. */
export interface GatewayArgs extends AdminTargetArgs {
  json: boolean;
}

/**
 * --gateway, --token, --json: where the gateway is and how to present the `airlock login` token.
 * `tokenOf` says whose token the command needs (e.g. "of an administrator").
 */
export function gatewayOptions<T>(y: Argv<T>, tokenOf = 'for the gateway'): Argv<T & GatewayArgs> {
  return y
    .option('gateway', {
      type: 'string',
      describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
    })
    .option('token', {
      type: 'string',
      describe: `Access token ${tokenOf} (default: $AIRLOCK_TOKEN, else the login's cached token)`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the API answer as JSON' }) as Argv<
    T & GatewayArgs
  >;
}
