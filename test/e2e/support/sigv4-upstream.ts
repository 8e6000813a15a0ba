import { createHash, createHmac } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from '@airlock/testkit';

/** A credential the upstream knows (the fake STS issued it): its secret and token, and whose it is. */
export interface KnownCredential {
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly owner: string;
}

/** One request the upstream received, with the outcome of checking its signature. */
export interface SignedRequest {
  readonly method: string;
  /** `ok`, or why it was refused. */
  readonly verdict: string;
  readonly owner: string | undefined;
  readonly accessKeyId: string | undefined;
}

export interface Sigv4Upstream extends RunningServer {
  readonly requests: readonly SignedRequest[];
}

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Recomputes a request's SigV4 signature from scratch (an implementation of the spec of its own,
 * not the signing library's) with the secret `known` holds for its access key id.
 */
function verify(
  req: IncomingMessage,
  body: Buffer,
  service: string,
  region: string,
  known: (accessKeyId: string) => KnownCredential | undefined,
): { verdict: string; owner?: string; accessKeyId?: string } {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    );
  if (!auth) return { verdict: 'no SigV4 Authorization header' };
  const [, accessKeyId, day, scopeRegion, scopeService, signedHeaders, signature] =
    auth as unknown as string[];
  const credential = known(accessKeyId!);
  if (!credential) return { verdict: `unknown access key id`, accessKeyId: accessKeyId! };
  if (scopeRegion !== region || scopeService !== service)
    return { verdict: `wrong scope ${scopeRegion}/${scopeService}` };
  if (
    credential.sessionToken !== undefined &&
    req.headers['x-amz-security-token'] !== credential.sessionToken
  ) {
    return { verdict: 'wrong or missing session token' };
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const url = new URL(req.url ?? '/', 'http://upstream');
  const query = [...url.searchParams]
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .sort()
    .join('&');
  const names = signedHeaders!.split(';');
  if (!names.includes('host')) return { verdict: 'host is not signed' };
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const path = url.pathname
    .split('/')
    .map((segment) => uriEncode(uriEncode(decodeURIComponent(segment))))
    .join('/');
  const canonicalRequest = [req.method, path, query, canonicalHeaders, signedHeaders, sha256Hex(body)].join(
    '\n',
  );
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credential.secretAccessKey}`, day!);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  return {
    verdict: expected === signature ? 'ok' : 'signature mismatch',
    owner: credential.owner,
    accessKeyId: accessKeyId!,
  };
}

/**
 * An AWS-hosted MCP endpoint stand-in: checks each request's SigV4 signature, refuses a bad one
 * with 403 as AWS does, and relays good ones to the MCP server at `targetUrl`.
 */
export async function startSigv4Upstream(options: {
  readonly targetUrl: string;
  readonly service: string;
  readonly region: string;
  readonly known: (accessKeyId: string) => KnownCredential | undefined;
}): Promise<Sigv4Upstream> {
  const target = new URL(options.targetUrl);
  const requests: SignedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const checked = verify(req, body, options.service, options.region, options.known);
      requests.push({
        method: req.method ?? '?',
        verdict: checked.verdict,
        owner: checked.owner,
        accessKeyId: checked.accessKeyId,
      });
      if (checked.verdict !== 'ok') {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `The request signature is not valid: ${checked.verdict}` }));
        return;
      }
      const headers = { ...req.headers, host: target.host };
      const forward = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: target.pathname, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
