import { AirlockError } from '@airlock/core/client';

/** The gateway `airlock dev` serves by default. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/**
 * The gateway a command talks to (`--gateway`, else `$AIRLOCK_GATEWAY`, else the dev default),
 * normalised so one gateway has one token cache: no trailing slash, no query or fragment.
 */
export function resolveGatewayUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag ?? env['AIRLOCK_GATEWAY'] ?? DEFAULT_GATEWAY_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AirlockError(
      'invalid_params',
      `"${raw}" is not a URL; pass the gateway as --gateway https://airlock.example.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AirlockError(
      'invalid_params',
      `The gateway URL must be http(s), not ${url.protocol} (${raw}).`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The gateway's MCP endpoint for a connection. */
export function connectionUrl(gateway: string, connection: string): string {
  return `${gateway}/mcp/${encodeURIComponent(connection)}`;
}
