/**
 * The canonical resource URL of a connection (RFC 8707 / MCP authorization): what clients ask
 * tokens for and what the gateway expects in `aud`. One per connection, so a token for one
 * connection cannot be replayed against another.
 */
export function resourceUrl(publicUrl: string, connection: string): string {
  return `${trimSlash(publicUrl)}/mcp/${encodeURIComponent(connection)}`;
}

/** Where the RFC 9728 metadata of a connection (or, without one, of the gateway root) is served. */
export function resourceMetadataUrl(publicUrl: string, connection?: string): string {
  const base = trimSlash(publicUrl);
  const origin = new URL(base).origin;
  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
  const path = base.slice(origin.length);
  const suffix = connection === undefined ? path : `${path}/mcp/${encodeURIComponent(connection)}`;
  return `${origin}/.well-known/oauth-protected-resource${suffix}`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
