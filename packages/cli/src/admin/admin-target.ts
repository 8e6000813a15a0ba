import type { AdminTarget } from './admin-client.js';

/** The gateway `airlock dev` serves by default. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/**
 * Where a cached `airlock login` token comes from. The login work plugs its token cache in here;
 * until then the admin commands take `--token` or AIRLOCK_TOKEN, or none for a dev gateway.
 */
export type LoginTokenSource = (gatewayUrl: string) => Promise<string | undefined>;

const noLoginCache: LoginTokenSource = () => Promise.resolve(undefined);

export interface AdminTargetArgs {
  readonly gateway?: string | undefined;
  readonly token?: string | undefined;
}

/** The gateway URL (`--gateway`, AIRLOCK_GATEWAY, the dev default) and the token to present. */
export async function resolveAdminTarget(
  args: AdminTargetArgs,
  env: NodeJS.ProcessEnv = process.env,
  loginTokens: LoginTokenSource = noLoginCache,
): Promise<AdminTarget> {
  const gatewayUrl = args.gateway ?? env['AIRLOCK_GATEWAY'] ?? DEFAULT_GATEWAY_URL;
  const explicit = args.token ?? env['AIRLOCK_TOKEN'];
  const token = explicit === undefined || explicit === '' ? await loginTokens(gatewayUrl) : explicit;
  return { gatewayUrl, token };
}
