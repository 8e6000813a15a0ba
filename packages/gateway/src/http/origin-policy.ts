import { AirlockError } from '@airlock/core';

/**
 * DNS-rebinding defence (MCP transport spec): a browser request whose Origin is not allowed is
 * refused with 403. Requests without Origin (non-browser MCP clients) pass. Allowed: the configured
 * list and the gateway's own public origin.
 */
export function createOriginPolicy(allowedOrigins: readonly string[], publicUrl: string | undefined): (origin: string | undefined) => void {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  if (publicUrl) allowed.add(new URL(publicUrl).origin.toLowerCase());
  return (origin) => {
    if (origin === undefined || allowed.has(origin.toLowerCase())) return;
    throw new AirlockError(
      'origin_forbidden',
      `Origin ${origin} may not call this gateway. If this browser app is trusted, add it to gateway.allowedOrigins.`,
    );
  };
}
