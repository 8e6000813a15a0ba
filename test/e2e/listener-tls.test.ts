import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createSelfSignedCertificate } from '@airlock/tunnel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { initializeRequest, MCP_POST_HEADERS } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * TLS on the gateway's public MCP listener (`gateway.tls`), for deployments without a
 * TLS-terminating load balancer: MCP over HTTPS, and a renewed certificate taken without a restart.
 */
let upstreams: Upstreams;
let airlock: AirlockHarness;
let first: { cert: string; key: string };
let dir: string;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  first = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  dir = mkdtempSync(join(tmpdir(), 'airlock-listener-tls-'));
  writeFileSync(join(dir, 'mcp.crt'), first.cert);
  writeFileSync(join(dir, 'mcp.key'), first.key);
  airlock = await startAirlock({
    connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
    gateway: { tls: { certFile: join(dir, 'mcp.crt'), keyFile: join(dir, 'mcp.key') } },
  });
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
  rmSync(dir, { recursive: true, force: true });
});

function files(): { certFile: string; keyFile: string } {
  return airlock.config.gateway!.tls!;
}

function post(url: string, body: unknown, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { ...MCP_POST_HEADERS } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The fingerprint of the certificate a new TLS connection to the listener is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerX509Certificate()!.fingerprint256);
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

describe('TLS on the MCP listener', () => {
  it('serves MCP over HTTPS with the configured certificate', async () => {
    expect(airlock.gateway.url).toMatch(/^https:\/\//);
    const answer = await post(`${airlock.gateway.url}/mcp/kitchen-http`, initializeRequest(), first.cert);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"protocolVersion"');
    expect(await servedFingerprint(airlock.gateway.http.port)).toBe(
      new X509Certificate(first.cert).fingerprint256,
    );
  });

  it('takes a renewed certificate without a restart, and keeps it when the files are broken', async () => {
    const renewed = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(files().keyFile, renewed.key);
    writeFileSync(files().certFile, renewed.cert);
    const want = new X509Certificate(renewed.cert).fingerprint256;
    const deadline = Date.now() + 15_000;
    let served = await servedFingerprint(airlock.gateway.http.port);
    while (served !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      served = await servedFingerprint(airlock.gateway.http.port);
    }
    expect(served).toBe(want);
    const answer = await post(`${airlock.gateway.url}/mcp/kitchen-http`, initializeRequest(), renewed.cert);
    expect(answer.status).toBe(200);

    // A half-written certificate is not taken: the listener keeps serving the renewed one.
    writeFileSync(files().certFile, '-----BEGIN CERTIFICATE-----\nbroken\n');
    const warned = Date.now() + 15_000;
    while (!airlock.logs().includes('does not load; keeping the previous one') && Date.now() < warned)
      await new Promise((r) => setTimeout(r, 200));
    expect(airlock.logs()).toContain('does not load; keeping the previous one');
    expect(await servedFingerprint(airlock.gateway.http.port)).toBe(want);
  });
});
