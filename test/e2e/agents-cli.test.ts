import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate } from '@airlock/tunnel';
import {
  connectV1Client,
  spawnNode,
  startKitchenSinkHttp,
  type NodeProcess,
  type RunningServer,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRpcError, initializeRequest, mcpPost } from './support/mcp-http.js';

/** `airlock agents create | list | revoke` as an operator runs them, against `airlock gateway`. */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

const running: NodeProcess[] = [];
let dir: string;
let upstream: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-agents-cli-'));
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

function airlock(args: string[], env: Record<string, string> = {}): NodeProcess {
  const child = spawnNode(AIRLOCK, args, { env: { ...NO_IMDS, ...env }, cwd: dir });
  running.push(child);
  return child;
}

/** Runs a command to completion: its exit code, stdout and stderr. */
async function run(args: string[], env: Record<string, string> = {}) {
  const child = airlock(args, env);
  const { code } = await child.exited;
  return { code, stdout: child.stdoutLines.join('\n'), stderr: child.stderr() };
}

describe('airlock agents', () => {
  it('creates an agent that then serves its connection, lists it, and revokes it', async () => {
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'tunnel.crt'), cert);
    writeFileSync(join(dir, 'tunnel.key'), key, { mode: 0o600 });
    writeFileSync(
      join(dir, 'gateway.yaml'),
      `gateway:
  listen: { host: 127.0.0.1, port: 0 }
  dataDir: state
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
`,
    );
    const gateway = airlock(['gateway', '--config', join(dir, 'gateway.yaml')]);
    // Recording is on: the first start of the PGlite store runs initdb (2 s idle, more on a busy machine).
    const ready = JSON.parse(
      await gateway.waitForLine((l) => l.includes('"ready":"gateway"'), { timeoutMs: 55_000 }),
    ) as {
      url: string;
      tunnelPort: number;
    };
    const env = { AIRLOCK_GATEWAY: ready.url };

    const created = await run(['agents', 'create', 'subnet-a', '--connections', 'kitchen'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = /^\s+(alk_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
    expect(token, created.stdout).toBeDefined();
    expect(created.stdout).toMatch(/id: subnet-a/);
    expect(created.stdout).toMatch(/shown this once/);
    expect(readFileSync(join(dir, 'state', 'agents.json'), 'utf8')).not.toContain(token);

    const twice = await run(['agents', 'create', 'subnet-a', '--connections', 'kitchen'], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already enrolled.*airlock agents revoke subnet-a/);

    writeFileSync(join(dir, 'agent.token'), `${token}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'agent.yaml'),
      `agent:
  id: subnet-a
  tokenFile: agent.token
  dataDir: agent-state
  gateways: [{ address: "127.0.0.1:${ready.tunnelPort}", caFile: tunnel.crt, serverName: localhost }]
  reconnect: { maxDelayMs: 300 }
  connections:
    kitchen: { transport: http, url: "${upstream.url}" }
`,
    );
    const agent = airlock(['agent', '--config', join(dir, 'agent.yaml')]);
    await agent.waitForLine((l) => l.includes('"ready":"agent"'), { timeoutMs: 20_000 });

    await expect
      .poll(async () => (await run(['agents', 'list'], env)).stdout, { timeout: 10_000 })
      .toMatch(/^subnet-a\s+connected\s+\S+\s+kitchen\s+kitchen\s+0\s+just now\s+enrollment$/m);
    const list = await run(['agents', 'list'], env);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+VERSION\s+CONNECTIONS\s+SERVING/);

    const client = await connectV1Client(`${ready.url}/mcp/kitchen`);
    try {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'via the cli' } });
      expect((result as { content: { text: string }[] }).content[0]?.text).toBe('via the cli');
    } finally {
      await client.close();
    }

    const revoked = await run(['agents', 'revoke', 'subnet-a'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/revoked/);
    expectRpcError(await mcpPost(`${ready.url}/mcp/kitchen`, initializeRequest()), 503, -32003);
    const after = await run(['agents', 'list', '--json'], env);
    const entry = (JSON.parse(after.stdout) as { agents: { name: string; connected: boolean }[] }).agents[0];
    expect(entry).toMatchObject({ name: 'subnet-a', connected: false, revokedBy: 'anonymous' });
    expect(gateway.stderr() + agent.stderr()).not.toContain(token);

    const unknown = await run(['agents', 'revoke', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No agent named "nobody"/);
    // Two servers and nine CLI runs: ~25 s on a quiet 2-core machine, more when it is shared.
  }, 90_000);

  it('says how to reach the gateway when nothing answers', async () => {
    const result = await run(['agents', 'list', '--gateway', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot reach the gateway at http:\/\/127\.0\.0\.1:9.*--gateway/);
  });
});
