import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import {
  connectV1Client,
  connectV2Client,
  shippedNodePath,
  spawnNode,
  startKitchenSinkHttp,
  startModernHttp,
  type NodeProcess,
  type RunningModernServer,
  type RunningServer,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeRequest, mcpPost, textOf } from './support/mcp-http.js';

/**
 * `airlock gateway` and `airlock agent` on the Node.js release the images and the agent executable
 * ship (Node 22 LTS: the official binary the executable is built from, installed with the agent
 * binary's build tools), while the tests themselves run on the machine's Node. Behaviour that
 * differs between releases shows here: Node 22 dropped what a corked HTTP response wrote after
 * `flushHeaders()`, so every answer the gateway sent whole on an event stream reached the client
 * as an empty stream, and no test on Node 20 saw it.
 */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

const node = shippedNodePath();

let dir: string;
let legacy: RunningServer;
let modern: RunningModernServer;
let gateway: NodeProcess | undefined;
let agent: NodeProcess | undefined;
let url = '';

beforeAll(async () => {
  if (node === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'airlock-shipped-node-'));
  legacy = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  modern = await startModernHttp({ host: '127.0.0.1', port: 0 });
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key, { mode: 0o600 });
  const token = generateAgentToken();
  writeFileSync(join(dir, 'agent.token'), `${token}\n`, { mode: 0o600 });
  // Recording as the images run it by default: spool and embedded store (PGlite in its worker).
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `gateway:
  listen: { host: 127.0.0.1, port: 0 }
  dataDir: gateway-state
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
  agents: [{ id: shipped, tokenSha256: ${hashAgentToken(token)}, connections: [kitchen, modern] }]
`,
  );
  gateway = spawnNode(AIRLOCK, ['gateway', '--config', join(dir, 'gateway.yaml')], {
    execPath: node,
    env: NO_IMDS,
    cwd: dir,
  });
  const ready = JSON.parse(
    await gateway.waitForLine((l) => l.includes('"ready":"gateway"'), { timeoutMs: 90_000 }),
  ) as { url: string; tunnelPort: number };
  url = ready.url;
  writeFileSync(
    join(dir, 'agent.yaml'),
    `agent:
  id: shipped
  tokenFile: agent.token
  dataDir: agent-state
  gateways: [{ address: "127.0.0.1:${ready.tunnelPort}", caFile: tunnel.crt, serverName: localhost }]
  connections:
    kitchen: { transport: http, url: "${legacy.url}" }
    modern: { transport: http, url: "${modern.url}", eras: [modern] }
`,
  );
  agent = spawnNode(AIRLOCK, ['agent', '--config', join(dir, 'agent.yaml')], {
    execPath: node,
    env: NO_IMDS,
    cwd: dir,
  });
  await agent.waitForLine((l) => l.includes('"ready":"agent"'), { timeoutMs: 60_000 });
  await agent.waitForLine((l) => l.includes('"connected":"agent"'), { timeoutMs: 30_000 });
}, 180_000);

afterAll(async () => {
  await agent?.kill();
  await gateway?.kill();
  await legacy?.close();
  await modern?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(node === undefined)('the roles on the Node.js release they ship on', () => {
  it('are Node 22', () => {
    const version = spawnSync(node as string, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^22\./);
  });

  it('answer a 2025-era initialize on an event stream, whole', async () => {
    const answer = await mcpPost(`${url}/mcp/kitchen`, initializeRequest(1));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    // The priming event, then the answer itself.
    expect(answer.text).toMatch(/^id: \S+\nretry: \d+\ndata: \n\n/);
    expect(answer.messages).toEqual([
      expect.objectContaining({ id: 1, result: expect.objectContaining({ serverInfo: expect.anything() }) }),
    ]);
  });

  it("relay a v1 client's session and a 2026-07-28 client's requests", async () => {
    const v1 = await connectV1Client(`${url}/mcp/kitchen`, { name: 'shipped-node-e2e' });
    try {
      expect((await v1.listTools()).tools.some((tool) => tool.name === 'echo')).toBe(true);
      expect(textOf(await v1.callTool({ name: 'echo', arguments: { text: 'on node 22' } }))).toBe(
        'on node 22',
      );
    } finally {
      await v1.close();
    }
    const v2 = await connectV2Client(`${url}/mcp/modern`, { era: 'modern' });
    try {
      expect(textOf(await v2.callTool({ name: 'echo', arguments: { text: 'modern on 22' } }))).toContain(
        'modern on 22',
      );
    } finally {
      await v2.close();
    }
  });
});
