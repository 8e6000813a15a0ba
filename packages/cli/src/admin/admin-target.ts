import { resolveGatewayUrl } from '../login/gateway-url.js';
import { cachedGatewayToken } from '../login/gateway-credentials.js';
import type { AdminTarget } from './admin-client.js';

/** Where a login token comes from: by default the `airlock login` cache for that gateway. */
export type LoginTokenSource = (gatewayUrl: string) => Promise<string | undefined>;

export interface AdminTargetArgs {
  readonly gateway?: string | undefined;
  readonly token?: string | undefined;
}

/**
 * The gateway URL (`--gateway`, AIRLOCK_GATEWAY, the dev default) and the token to present:
 * `--token` / AIRLOCK_TOKEN when given, else the cached `airlock login` token (refreshed as
 * needed), else none (a dev gateway without authentication needs none).
 */
export async function resolveAdminTarget(
  args: AdminTargetArgs,
  env: NodeJS.ProcessEnv = process.env,
  loginTokens: LoginTokenSource = cachedGatewayToken,
): Promise<AdminTarget> {
  const gatewayUrl = resolveGatewayUrl(args.gateway, env);
  const explicit = args.token ?? env['AIRLOCK_TOKEN'];
  const token = explicit === undefined || explicit === '' ? await loginTokens(gatewayUrl) : explicit;
  return { gatewayUrl, token };
}
