import type { Argv } from 'yargs';
import type { AdminTargetArgs } from './admin-target.js';

export interface AdminCommandArgs extends AdminTargetArgs {
  json: boolean;
}

/** The options every admin API command takes: which gateway, whose token, and raw JSON output. */
export function withAdminOptions<T>(y: Argv<T>): Argv<T & AdminCommandArgs> {
  return y
    .option('gateway', {
      type: 'string',
      describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
    })
    .option('token', {
      type: 'string',
      describe: "Access token of an administrator (default: $AIRLOCK_TOKEN, else the login's cached token)",
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the API answer as JSON' }) as Argv<
    T & AdminCommandArgs
  >;
}
