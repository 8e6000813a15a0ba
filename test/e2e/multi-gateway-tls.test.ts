import { createHmac, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { connectV1Client, startKitchenSinkHttp, waitFor, type RunningServer } from '@airlock/testkit';
import {
  createCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
} from '@airlock/tunnel';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayCluster, type GatewayCluster } from './support/gateway-cluster.js';
import {
  expectRpcError,
  LEGACY_VERSION,
  mcpPost,
  type McpAnswer,
  openRawSession,
  resultOf,
  textOf,
  toolCall,
} from './support/mcp-http.js';
import { startRoundRobinBalancer, type RoundRobinBalancer } from './support/round-robin-balancer.js';

/**
 * Mutual TLS on the channel between gateways (`gateway.cluster.tls`): forwarded requests carry
 * the client's bearer token, so each gateway presents a certificate from the cluster CA and
 * accepts only peers presenting one. Two gateways from the cluster CA behind a round-robin
 * balancer; a third whose certificate another CA signed.
 */

let upstream: RunningServer;
let cluster: GatewayCluster;
let balancer: RoundRobinBalancer;
let dir: string;
let authority: CertificateAuthority;
const issued: IssuedCertificate[] = [];
/** A bearer token sent through the cluster: it must appear in no log. */
const bearer = `test-bearer-${randomBytes(16).toString('hex')}`;

const files = (index: number) => ({
  certFile: join(dir, `gw-${index}.crt`),
  keyFile: join(dir, `gw-${index}.key`),
  caFile: join(dir, index === 2 ? 'other-ca-bundle.pem' : 'cluster-ca.pem'),
});

beforeAll(async () => {
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'airlock-cluster-tls-'));
  authority = await createCertificateAuthority('Airlock cluster CA');
  const other = await createCertificateAuthority('Some other CA');
  writeFileSync(join(dir, 'cluster-ca.pem'), authority.cert);
  // Gateway 2 trusts the cluster CA (so it starts and could verify its peers) but holds a
  // certificate from another CA, which its peers do not trust.
  writeFileSync(join(dir, 'other-ca-bundle.pem'), `${authority.cert.trim()}\n${other.cert.trim()}\n`);
  for (const [index, ca] of [authority, authority, other].entries()) {
    const pair = await ca.issue(['127.0.0.1', 'localhost']);
    issued.push(pair);
    writeFileSync(files(index).certFile, pair.cert);
    writeFileSync(files(index).keyFile, pair.key, { mode: 0o600 });
  }
  cluster = await startGatewayCluster({
    gateways: 2,
    connections: { 'kitchen-http': { transport: 'http', url: upstream.url } },
    // Gateway 3 (started by one test) has no TLS: plain HTTP, allowed on loopback.
    cluster: (index) => (index === 3 ? {} : { tls: files(index) }),
  });
  await cluster.startAgent();
  balancer = await startRoundRobinBalancer(cluster.gateways.map((g) => g!.url));
}, 60_000);

afterAll(async () => {
  await balancer?.close();
  await cluster?.close();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The signature a gateway puts on a forwarded request (docs/multi-gateway.md), made with the cluster secret. */
function peerHeaders(path: string, sessionId: string): Record<string, string> {
  const secret = readFileSync(join(cluster.dir, 'cluster.secret'), 'utf8').trim();
  const timeMs = Date.now();
  const text = ['airlock-peer-v1', 'POST', path, sessionId, 'gw-1', String(timeMs)].join('\n');
  return {
    'airlock-peer-gateway': 'gw-1',
    'airlock-peer-time': String(timeMs),
    'airlock-peer-signature': createHmac('sha256', Buffer.from(secret, 'utf8')).update(text).digest('hex'),
  };
}

interface InternalAnswer {
  readonly status: number;
  readonly refused: string | undefined;
  readonly text: string;
}

/** A POST straight to a gateway's internal listener, presenting `client` (or no certificate). */
function postInternal(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  client: IssuedCertificate | undefined,
): Promise<InternalAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: authority.cert,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': LEGACY_VERSION,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => {
          const refused = res.headers['airlock-peer-refused'];
          resolve({
            status: res.statusCode ?? 0,
            refused: typeof refused === 'string' ? refused : undefined,
            text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The fingerprint of the certificate a new TLS connection to `port` is served (presenting gateway 1's). */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca: authority.cert, cert: issued[1]!.cert, key: issued[1]!.key },
      () => {
        resolve(socket.getPeerX509Certificate()!.fingerprint256);
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

/**
 * A POST for a session of a gateway that has just joined: another gateway re-reads the peer list
 * at most every 250 ms on an unknown tag, so the first tries may still answer 404.
 */
function postOnceKnown(url: string, body: unknown, sessionId: string): Promise<McpAnswer> {
  return waitFor(
    'the new gateway known to its peers',
    async () => {
      const answer = await mcpPost(url, body, {
        sessionId,
        headers: { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${bearer}` },
      });
      return answer.status === 404 ? undefined : answer;
    },
    { timeoutMs: 5_000, intervalMs: 100 },
  );
}

const internalPort = (index: number): number =>
  Number(new URL(cluster.gateways[index]!.cluster!.internalUrl).port);

describe('mutual TLS between gateways', () => {
  it('forwards a session’s requests over TLS, both ways, through a round-robin balancer', async () => {
    for (const g of cluster.gateways) expect(g!.cluster!.internalUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = await connectV1Client(`${balancer.url}/mcp/kitchen-http`, {
      name: 'cluster-tls-e2e',
      onSampling: () => 'sampled over tls',
    });
    for (let i = 0; i < 4; i++) {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: `tls ${i}` } }))).toContain(
        `tls ${i}`,
      );
    }
    expect(textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'p' } }))).toBe(
      'sampled over tls',
    );
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await client.close();

    // A session owned by gateway 0, called on gateway 1 only: every call is forwarded.
    const sessionId = await openRawSession(`${cluster.gateways[0]!.url}/mcp/kitchen-http`);
    const answer = await mcpPost(
      `${cluster.gateways[1]!.url}/mcp/kitchen-http`,
      toolCall(2, 'echo', { text: 'forwarded over tls' }),
      { sessionId, headers: { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${bearer}` } },
    );
    expect(answer.status).toBe(200);
    expect(textOf(resultOf(answer))).toContain('forwarded over tls');
  });

  it('refuses a caller without a certificate from the cluster CA, even with a valid signature; plain HTTP gets nowhere', async () => {
    const owner = cluster.gateways[0]!;
    const sessionId = await openRawSession(`${owner.url}/mcp/kitchen-http`);
    const path = '/mcp/kitchen-http';
    const url = `${owner.cluster!.internalUrl}${path}`;
    const body = toolCall(3, 'echo', { text: 'direct to the internal listener' });
    const headers = { 'mcp-session-id': sessionId, ...peerHeaders(path, sessionId) };

    // The control: a gateway's certificate and the signature get the call served.
    const served = await postInternal(url, body, headers, issued[1]);
    expect(served.status).toBe(200);
    expect(served.text).toContain('direct to the internal listener');

    const anonymous = await postInternal(
      url,
      body,
      { ...headers, ...peerHeaders(path, sessionId) },
      undefined,
    );
    expect(anonymous).toMatchObject({ status: 401, refused: 'certificate' });
    expect(anonymous.text).toContain('signed by the cluster CA');
    expect(anonymous.text).not.toContain('direct to the internal listener');

    const stranger = await postInternal(
      url,
      body,
      { ...headers, ...peerHeaders(path, sessionId) },
      issued[2],
    );
    expect(stranger).toMatchObject({ status: 401, refused: 'certificate' });
    expect(cluster.logs()).toMatch(/"code":"peer_unauthenticated".*"reason":"[A-Z_]+"/);

    await expect(fetch(url.replace('https://', 'http://'), { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('a gateway whose certificate another CA signed can neither forward nor be forwarded to: the client gets peer_refused, the operator the reason', async () => {
    const outsider = await cluster.startGateway(2);
    try {
      const sessionId = await openRawSession(`${cluster.gateways[0]!.url}/mcp/kitchen-http`);
      // Gateway 2 forwards to gateway 0, which refuses its certificate.
      const out = await mcpPost(
        `${outsider.url}/mcp/kitchen-http`,
        toolCall(4, 'echo', { text: 'from the outsider' }),
        { sessionId, headers: { 'mcp-protocol-version': LEGACY_VERSION, authorization: `Bearer ${bearer}` } },
      );
      const refused = expectRpcError(out, 502, -32017, /do not trust each other/);
      expect(refused.data?.['airlockCode']).toBe('peer_refused');
      expect(cluster.logs()).toContain('the owner refused this gateway’s certificate');

      // Gateway 0 forwards to gateway 2, whose certificate it does not trust.
      const into = await postOnceKnown(
        `${cluster.gateways[0]!.url}/mcp/kitchen-http`,
        toolCall(5, 'echo', { text: 'to the outsider' }),
        `${outsider.cluster!.tag}.${randomBytes(24).toString('base64url')}`,
      );
      expectRpcError(into, 502, -32017);
      expect(cluster.logs()).toMatch(/"code":"peer_refused".*"owner":"gw-2".*"reason":"[A-Z_]+"/);
    } finally {
      await cluster.stopGateway(2);
    }
  });

  it('never forwards in clear between a gateway with TLS and one without: both refuse, naming the fix', async () => {
    const plain = await cluster.startGateway(3);
    try {
      expect(plain.cluster!.internalUrl).toMatch(/^http:\/\//);
      // A TLS gateway never sends the client's token to a peer advertising http://.
      const out = await postOnceKnown(
        `${cluster.gateways[0]!.url}/mcp/kitchen-http`,
        toolCall(7, 'echo', { text: 'to the plain one' }),
        `${plain.cluster!.tag}.${randomBytes(24).toString('base64url')}`,
      );
      expectRpcError(out, 502, -32017);
      expect(cluster.logs()).toMatch(/"reason":"scheme-plaintext-peer".*forwards only over TLS/);
      // The plain gateway cannot present a certificate to a TLS peer.
      const sessionId = await openRawSession(`${cluster.gateways[0]!.url}/mcp/kitchen-http`);
      const into = await mcpPost(
        `${plain.url}/mcp/kitchen-http`,
        toolCall(8, 'echo', { text: 'from the plain one' }),
        { sessionId, headers: { 'mcp-protocol-version': LEGACY_VERSION } },
      );
      expectRpcError(into, 502, -32017);
      expect(cluster.logs()).toMatch(/"reason":"scheme-tls-peer".*has no gateway\.cluster\.tls/);
    } finally {
      await cluster.stopGateway(3);
    }
  });

  it('takes a renewed certificate without a restart, and keeps the previous one when the files are broken', async () => {
    const port = internalPort(0);
    const renewed = await authority.issue(['127.0.0.1', 'localhost']);
    writeFileSync(files(0).keyFile, renewed.key);
    writeFileSync(files(0).certFile, renewed.cert);
    const want = new X509Certificate(renewed.cert).fingerprint256;
    const deadline = Date.now() + 15_000;
    let served = await servedFingerprint(port);
    while (served !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      served = await servedFingerprint(port);
    }
    expect(served).toBe(want);
    // Forwarding works both ways with the renewed certificate.
    for (const [owner, other] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const sessionId = await openRawSession(`${cluster.gateways[owner]!.url}/mcp/kitchen-http`);
      const answer = await mcpPost(
        `${cluster.gateways[other]!.url}/mcp/kitchen-http`,
        toolCall(6, 'echo', { text: `renewed ${owner}` }),
        { sessionId, headers: { 'mcp-protocol-version': LEGACY_VERSION } },
      );
      expect(textOf(resultOf(answer))).toContain(`renewed ${owner}`);
    }

    const warning = 'the changed cluster TLS files do not load; keeping the previous ones';
    const before = cluster.logs().split(warning).length;
    writeFileSync(files(0).certFile, '-----BEGIN CERTIFICATE-----\nbroken\n');
    const warned = Date.now() + 15_000;
    while (cluster.logs().split(warning).length === before && Date.now() < warned)
      await new Promise((r) => setTimeout(r, 200));
    expect(cluster.logs().split(warning).length).toBeGreaterThan(before);
    expect(await servedFingerprint(port)).toBe(want);
    writeFileSync(files(0).certFile, renewed.cert);
  });

  it('logs no private key, no cluster secret and no bearer token', () => {
    const logs = cluster.logs();
    expect(logs.length).toBeGreaterThan(0);
    const secret = readFileSync(join(cluster.dir, 'cluster.secret'), 'utf8').trim();
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(bearer);
    for (const pair of issued) {
      const body = pair.key.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
      for (const line of body) expect(logs).not.toContain(line);
    }
    expect(logs).not.toContain('PRIVATE KEY');
  });
});
