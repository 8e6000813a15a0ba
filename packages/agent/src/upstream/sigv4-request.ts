import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../credentials/credential-source.js';
import { NodeSha256 } from '../credentials/node-sha256.js';
import type { UpstreamRequest } from './http-target.js';

export interface Sigv4Settings {
  readonly service: string;
  readonly region: string;
}

/**
 * Wraps `request` so every request to the upstream at `url` is signed with AWS SigV4 (method,
 * path, query, host, headers, body hash) with the credentials `credentials` answers at that
 * moment, so a long session signs with refreshed credentials as they rotate.
 */
export function sigv4Request(
  request: UpstreamRequest,
  url: URL,
  sigv4: Sigv4Settings,
  credentials: () => Promise<AwsCredentials>,
): UpstreamRequest {
  const signer = new SignatureV4({
    service: sigv4.service,
    region: sigv4.region,
    credentials,
    sha256: NodeSha256,
  });
  return async (options) => {
    const [path = '/', search = ''] = options.path.split('?', 2);
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(search)) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const headers = { ...(options.headers as Record<string, string> | undefined), host: url.host };
    const body = typeof options.body === 'string' ? options.body : undefined;
    const signed = await signer.sign({
      method: options.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path,
      query,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    // undici sets Host itself (from the pool's origin, the same value that was signed).
    const { host: _host, ...sent } = signed.headers;
    return request({ ...options, headers: sent });
  };
}
