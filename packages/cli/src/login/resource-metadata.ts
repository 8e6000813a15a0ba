import { AirlockError } from '@airlock/core/client';

/** The parts of an RFC 9728 protected resource metadata document a client uses. */
export interface ResourceMetadata {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopes: readonly string[];
}

/** Where RFC 9728 §3.1 puts the metadata of a resource URL: the well-known segment after the host. */
export function metadataUrlOf(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Fetches and checks a protected resource's metadata: `gateway` for the gateway itself,
 * `<gateway>/mcp/<connection>` for a connection. `resource` must be the URL asked about
 * (RFC 9728 §3.3), so a document cannot send tokens for one resource to another.
 */
export async function fetchResourceMetadata(resourceUrl: string, what: string): Promise<ResourceMetadata> {
  const url = metadataUrlOf(resourceUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (cause) {
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
    throw new AirlockError(
      'identity_provider_unavailable',
      `Cannot reach ${url} (${reason}). Is the gateway URL right?`,
      { cause },
    );
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new AirlockError(
      'connection_not_found',
      `${what} publishes no OAuth metadata at ${url}: either it has no such connection, or it runs without authentication (then no login is needed).`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AirlockError(
      'identity_provider_unavailable',
      `${url} answered ${response.status}; is this an Airlock gateway?`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  const servers = body?.['authorization_servers'];
  if (
    body === undefined ||
    typeof body['resource'] !== 'string' ||
    !Array.isArray(servers) ||
    servers.length === 0
  ) {
    throw new AirlockError(
      'identity_provider_unavailable',
      `${url} is not RFC 9728 metadata naming an authorization server.`,
    );
  }
  if (body['resource'].replace(/\/+$/, '') !== resourceUrl.replace(/\/+$/, '')) {
    throw new AirlockError(
      'identity_provider_unavailable',
      `${url} describes ${body['resource']}, not ${resourceUrl}. Use the gateway's public URL (gateway.publicUrl) with --gateway.`,
    );
  }
  const scopes = Array.isArray(body['scopes_supported'])
    ? body['scopes_supported'].filter((s): s is string => typeof s === 'string')
    : [];
  return {
    resource: body['resource'],
    authorizationServers: servers.filter((s): s is string => typeof s === 'string'),
    scopes,
  };
}
