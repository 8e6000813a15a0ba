import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import {
  connectV1Client,
  spawnNode,
  startKitchenSinkHttp,
  type NodeProcess,
  type RunningServer,
} from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpPost, initializeRequest } from './support/mcp-http.js';

/**
 * SIGTERM as Kubernetes or systemd sends it, to `airlock gateway` and `airlock agent` running as
 * separate processes: a call in flight finishes, the stopping process turns unready at once and
 * takes no new session, and it exits 0 once drained.
 */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

let dir: string;
let upstream: RunningServer;
const running: NodeProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-shutdown-'));
  upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'tunnel.crt'), cert);
  writeFileSync(join(dir, 'tunnel.key'), key, { mode: 0o600 });
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

function airlock(args: string[]): NodeProcess {
  const child = spawnNode(AIRLOCK, args, { env: NO_IMDS, cwd: dir });
  running.push(child);
  return child;
}

interface Started {
  readonly gateway: NodeProcess;
  readonly agent: NodeProcess;
  readonly url: string;
  readonly gatewayOps: string;
  readonly agentOps: string;
}

async function startPair(name: string): Promise<Started> {
  const token = generateAgentToken();
  writeFileSync(join(dir, `${name}.token`), `${token}\n`, { mode: 0o600 });
  // Recording off: this is about stopping, and the PGlite initdb would only slow the test down.
  writeFileSync(
    join(dir, `${name}-gateway.yaml`),
    `recording: { enabled: false }
gateway:
  listen: { host: 127.0.0.1, port: 0 }
  operations: { listen: { host: 127.0.0.1, port: 0 } }
  shutdown: { graceSeconds: 20 }
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
  agents: [{ id: ${name}, tokenSha256: ${hashAgentToken(token)}, connections: [kitchen] }]
`,
  );
  const gateway = airlock(['gateway', '--config', join(dir, `${name}-gateway.yaml`)]);
  const ready = JSON.parse(
    await gateway.waitForLine((l) => l.includes('"ready":"gateway"'), { timeoutMs: 30_000 }),
  ) as { url: string; tunnelPort: number; operationsUrl: string };
  writeFileSync(
    join(dir, `${name}-agent.yaml`),
    `recording: { enabled: false }
agent:
  id: ${name}
  tokenFile: ${name}.token
  operations: { listen: { host: 127.0.0.1, port: 0 } }
  shutdown: { graceSeconds: 20 }
  gateways: [{ address: "127.0.0.1:${ready.tunnelPort}", caFile: tunnel.crt, serverName: localhost }]
  connections:
    kitchen: { transport: http, url: "${upstream.url}" }
`,
  );
  const agent = airlock(['agent', '--config', join(dir, `${name}-agent.yaml`)]);
  const agentReady = JSON.parse(
    await agent.waitForLine((l) => l.includes('"ready":"agent"'), { timeoutMs: 20_000 }),
  ) as { operationsUrl: string };
  await agent.waitForLine((l) => l.includes('"connected":"agent"'), { timeoutMs: 20_000 });
  return {
    gateway,
    agent,
    url: `${ready.url}/mcp/kitchen`,
    gatewayOps: ready.operationsUrl,
    agentOps: agentReady.operationsUrl,
  };
}

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

/** Starts a tool call that takes ~2 s (8 progress steps, 250 ms apart); resolves once it is running upstream. */
async function startLongCall(url: string): Promise<{ result: Promise<unknown>; close: () => Promise<void> }> {
  const client = await connectV1Client(url, { name: 'shutdown-e2e' });
  let running!: () => void;
  const started = new Promise<void>((resolve) => (running = resolve));
  const result = client.callTool({ name: 'progress', arguments: { steps: 8, delayMs: 250 } }, undefined, {
    onprogress: () => running(),
    timeout: 30_000,
  });
  await started;
  return { result, close: () => client.close() };
}

describe('SIGTERM', () => {
  it('to the gateway: unready at once, no new session, the call in flight finishes, exit 0', async () => {
    const pair = await startPair('gw-drain');
    const call = await startLongCall(pair.url);
    pair.gateway.child.kill('SIGTERM');
    await pair.gateway.waitForLine(() => false, { timeoutMs: 300 }).catch(() => undefined);
    const ready = await fetch(`${pair.gatewayOps}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['shutdown']).toMatch(
      /stopping/,
    );
    const refused = await mcpPost(pair.url, initializeRequest());
    expect(refused.status).toBe(503);
    expect(refused.text).toMatch(/shutting down and takes no new sessions/);

    expect(textOf(await call.result)).toBe('completed 8 steps');
    await call.close().catch(() => undefined);
    expect((await pair.gateway.exited).code).toBe(0);
  }, 60_000);

  it('to the agent: unready at once, the call in flight finishes, exit 0', async () => {
    const pair = await startPair('agent-drain');
    const call = await startLongCall(pair.url);
    pair.agent.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${pair.agentOps}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['shutdown']).toMatch(
      /stopping/,
    );

    expect(textOf(await call.result)).toBe('completed 8 steps');
    await call.close().catch(() => undefined);
    expect((await pair.agent.exited).code).toBe(0);
  }, 60_000);
});
