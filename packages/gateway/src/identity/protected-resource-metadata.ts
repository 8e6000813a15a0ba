import type { GatewayConfig } from '@airlock/core';
import { resourceMetadataUrl, resourceUrl } from './resource-url.js';

/** RFC 9728 OAuth 2.0 Protected Resource Metadata, the document MCP clients start their login from. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly bearer_methods_supported: readonly ['header'];
  readonly scopes_supported?: readonly string[];
  readonly resource_name?: string;
}

/**
 * The metadata document for a request path, or undefined when the path names no document this
 * gateway serves. Per connection at `/.well-known/oauth-protected-resource/mcp/<connection>`, and
 * for the gateway itself at the root (RFC 9728 §3.1 fallback for clients that do not follow the
 * header). `isKnownConnection` keeps the gateway from describing connections it does not have.
 */
export function protectedResourceMetadataFor(
  path: string,
  config: Pick<GatewayConfig, 'publicUrl' | 'auth'>,
  isKnownConnection: (name: string) => boolean,
): ProtectedResourceMetadata | undefined {
  const { auth, publicUrl } = config;
  if (auth.mode !== 'oidc' || publicUrl === undefined) return undefined;
  const common = {
    authorization_servers: auth.issuers.map((i) => i.issuer),
    bearer_methods_supported: ['header'] as const,
    ...(auth.requiredScopes && auth.requiredScopes.length > 0
      ? { scopes_supported: auth.requiredScopes }
      : {}),
  };
  if (path === new URL(resourceMetadataUrl(publicUrl)).pathname) {
    return { resource: publicUrl.replace(/\/+$/, ''), resource_name: 'Airlock gateway', ...common };
  }
  const match = /\/mcp\/([^/]+)$/.exec(path);
  if (match === null) return undefined;
  let connection: string;
  try {
    connection = decodeURIComponent(match[1] as string);
  } catch {
    return undefined;
  }
  if (path !== new URL(resourceMetadataUrl(publicUrl, connection)).pathname || !isKnownConnection(connection))
    return undefined;
  return { resource: resourceUrl(publicUrl, connection), resource_name: `Airlock: ${connection}`, ...common };
}
