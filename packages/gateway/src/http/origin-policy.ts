import { AirlockError, isLoopbackHost, type GatewayConfig } from '@airlock/core';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  return value.split(':')[0] ?? value;
}

export interface RequestOriginPolicy {
  /** Throws `origin_forbidden` (403) for a request a browser could have been tricked into sending. */
  check(origin: string | undefined, host: string | undefined): void;
}

/**
 * DNS-rebinding defence (MCP transport spec). A page on evil.example whose name resolves to
 * 127.0.0.1 makes the browser send `Host: evil.example` and `Origin: http://evil.example`:
 * - Origin: requests without one (non-browser MCP clients) pass; otherwise the origin must be the
 *   gateway's public origin, a configured `allowedOrigins` entry, or, on a loopback gateway, a
 *   loopback origin.
 * - Host: a loopback gateway answers only to loopback host names (and its public URL's host), so a
 *   rebound name is refused even without an Origin header.
 */
export function createOriginPolicy(options: {
  allowedOrigins: readonly string[];
  publicUrl: string | undefined;
  loopback: boolean;
}): RequestOriginPolicy {
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const publicHost = options.publicUrl ? new URL(options.publicUrl).host.toLowerCase() : undefined;
  if (options.publicUrl) allowed.add(new URL(options.publicUrl).origin.toLowerCase());
  const hostAllowed = (hostname: string) =>
    LOOPBACK_HOSTNAMES.has(hostname) || (publicHost !== undefined && hostnameOf(publicHost) === hostname);

  return {
    check(origin, host) {
      if (options.loopback && host !== undefined && !hostAllowed(hostnameOf(host))) {
        throw new AirlockError(
          'origin_forbidden',
          `Host ${host} is not this gateway: it listens on loopback and answers only to localhost names. If you reach it through a proxy, set gateway.publicUrl.`,
        );
      }
      if (origin === undefined) return;
      const normalized = origin.toLowerCase();
      if (allowed.has(normalized)) return;
      if (options.loopback) {
        try {
          if (
            LOOPBACK_HOSTNAMES.has(new URL(normalized).hostname) ||
            LOOPBACK_HOSTNAMES.has(`[${new URL(normalized).hostname}]`)
          )
            return;
        } catch {
          // Not a URL: fall through to the refusal.
        }
      }
      throw new AirlockError(
        'origin_forbidden',
        `Origin ${origin} may not call this gateway. If this browser app is trusted, add it to gateway.allowedOrigins.`,
      );
    },
  };
}

/** The gateway's one origin policy, from its configuration (MCP endpoints and APIs alike). */
export function originPolicyFor(config: GatewayConfig): RequestOriginPolicy {
  return createOriginPolicy({
    allowedOrigins: config.allowedOrigins,
    publicUrl: config.publicUrl,
    loopback: isLoopbackHost(config.listen.host),
  });
}
