import { resolveGatewayUrl } from '../login/gateway-url.js';
import type { AdminTarget } from './admin-client.js';

/** Where a login token comes from: by default the `airlock login` cache for that gateway. */
export type LoginTokenSource = (gatewayUrl: string) => Promise<string | undefined>;

/**
 * The login cache, loaded when a command first needs a token: the OIDC client library behind it
 * is not loaded by every `airlock` command, nor by the agent and gateway processes, which run from
 * the same entry point.
 */
const cachedLoginToken: LoginTokenSource = async (gatewayUrl) => {
  const { cachedGatewayToken } = await import('../login/gateway-credentials.js');
  return cachedGatewayToken(gatewayUrl);
};

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
  loginTokens: LoginTokenSource = cachedLoginToken,
): Promise<AdminTarget> {
  const gatewayUrl = resolveGatewayUrl(args.gateway, env);
  const explicit = args.token ?? env['AIRLOCK_TOKEN'];
  const token = explicit === undefined || explicit === '' ? await loginTokens(gatewayUrl) : explicit;
  return { gatewayUrl, token };
}
