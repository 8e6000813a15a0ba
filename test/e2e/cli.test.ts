import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import {
  connectV1Client,
  connectV2Client,
  spawnNode,
  startKitchenSinkHttp,
  type NodeProcess,
  type RunningServer,
} from '@airlock/testkit';
import { VAULT_CUSTOMER } from '@airlock/demo';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** The `airlock` binary as an operator runs it: separate processes, a config file, the environment. */
const AIRLOCK = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

const running: NodeProcess[] = [];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function airlock(args: string[], env: Record<string, string> = {}): NodeProcess {
  const child = spawnNode(AIRLOCK, args, { env: { ...NO_IMDS, ...env }, cwd: dir });
  running.push(child);
  return child;
}

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

describe('airlock dev', () => {
  it('starts gateway, agent and demo servers, prints the MCP URLs, and relays to all three', async () => {
    const dev = airlock([
      'dev',
      '--no-auth',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'dev'),
      '--log-level',
      'warn',
    ]);
    await dev.waitForLine((l) => l === 'airlock dev: ready', { timeoutMs: 55_000 });
    const url = (name: string) => {
      const line = dev.stdoutLines.find((l) => l.trim().startsWith(`${name} `) && l.includes('/mcp/'));
      return line!.trim().split(/\s+/)[1] as string;
    };
    expect(dev.stdoutLines.join('\n')).toMatch(/Unauthenticated: .* loopback only/);
    // The demo records encrypted at rest, with a key file it made in its data folder (owner only).
    expect(dev.stdoutLines.join('\n')).toContain(
      `encrypted at rest (AES-256-GCM), key file ${join(dir, 'dev')}`,
    );
    expect(statSync(join(dir, 'dev', 'recording.key')).mode & 0o777).toBe(0o600);

    const everything = await connectV1Client(url('everything'));
    try {
      expect(textOf(await everything.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toContain(
        'hi',
      );
    } finally {
      await everything.close();
    }
    const kitchen = await connectV1Client(url('kitchen'));
    try {
      expect(textOf(await kitchen.callTool({ name: 'echo', arguments: { text: 'kitchen' } }))).toBe(
        'kitchen',
      );
    } finally {
      await kitchen.close();
    }
    const modern = await connectV2Client(url('modern'), { era: 'modern' });
    try {
      expect(textOf(await modern.callTool({ name: 'echo', arguments: { text: 'modern' } }))).toContain(
        'modern',
      );
    } finally {
      await modern.close();
    }

    // The vault demo: what the banner says to try works as it says.
    expect(dev.stdoutLines.join('\n')).toContain('Try masking, guardrails and tool pinning on "vault"');
    const vault = await connectV1Client(url('vault'));
    try {
      const customer = textOf(await vault.callTool({ name: 'get_customer', arguments: {} }));
      for (const secret of [
        VAULT_CUSTOMER.card,
        VAULT_CUSTOMER.email,
        VAULT_CUSTOMER.awsSecretAccessKey,
        VAULT_CUSTOMER.apiToken,
      ]) {
        expect(customer).not.toContain(secret);
      }
      expect(customer).toContain('[MASKED:PAYMENT_CARD:…1111]');
      const env = textOf(await vault.callTool({ name: 'env', arguments: {} }));
      expect(env).toMatch(/AWS_SECRET_ACCESS_KEY=\[MASKED:AWS_SECRET_ACCESS_KEY/);
      const dropped = await vault
        .callTool({ name: 'drop_table', arguments: { table: 'users' } })
        .catch((e: Error) => e);
      expect(String(dropped)).toContain('guardrail "no-drop-table"');
      expect(
        textOf(await vault.callTool({ name: 'delete_bucket', arguments: { bucket: 'scratch' } })),
      ).toContain('scratch');
      expect((await vault.listTools()).tools.map((t) => t.name)).toContain('weather');
      await vault.callTool({ name: 'rotate_weather_description', arguments: {} });
      expect((await vault.listTools()).tools.map((t) => t.name)).not.toContain('weather');
      await vault.callTool({ name: 'rotate_weather_description', arguments: {} });
      expect((await vault.listTools()).tools.map((t) => t.name)).toContain('weather');
    } finally {
      await vault.close();
    }

    // Ctrl-C: a deliberate stop, and it reads as one (no warning that the agent lost its gateway).
    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
    expect(dev.stderr()).not.toContain('lost the gateway');
    expect(dev.stderr()).not.toContain('reconnecting');
  }, 90_000);
});

describe('airlock gateway and airlock agent as separate processes', () => {
  let upstream: RunningServer;
  beforeAll(async () => {
    upstream = await startKitchenSinkHttp({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('run from one config file plus AIRLOCK_* variables, and relay a call', async () => {
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(join(dir, 'tunnel.crt'), cert);
    writeFileSync(join(dir, 'tunnel.key'), key, { mode: 0o600 });
    const token = generateAgentToken();
    writeFileSync(join(dir, 'agent.token'), `${token}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'recording.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'gateway.yaml'),
      `recording:
  encryption: { keyFile: recording.key }
gateway:
  listen: { host: 127.0.0.1, port: 0 }
  dataDir: gateway-state
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
  agents:
    - id: subnet-a
      tokenSha256: ${hashAgentToken(token)}
      connections: [kitchen]
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

    writeFileSync(
      join(dir, 'agent.yaml'),
      `recording:
  encryption: { keyFile: recording.key }
agent:
  id: subnet-a
  tokenFile: agent.token
  dataDir: agent-state
  gateways: [{ address: "127.0.0.1:${ready.tunnelPort}", caFile: tunnel.crt, serverName: localhost }]
  connections:
    kitchen: { transport: http, url: "${upstream.url}" }
`,
    );
    // The environment overrides the file: the reconnect backoff comes from AIRLOCK_* variables.
    const agent = airlock(['agent', '--config', join(dir, 'agent.yaml')], {
      AIRLOCK_AGENT__RECONNECT__MAX_DELAY_MS: '500',
    });
    await agent.waitForLine((l) => l.includes('"ready":"agent"'), { timeoutMs: 20_000 });
    const connected = JSON.parse(
      await agent.waitForLine((l) => l.includes('"connected":"agent"'), { timeoutMs: 20_000 }),
    ) as Record<string, unknown>;
    expect(connected).toMatchObject({ id: 'subnet-a', gateway: `127.0.0.1:${ready.tunnelPort}` });

    // "connected" means the gateway routes to it: the first call goes through, no retrying.
    const client = await connectV1Client(`${ready.url}/mcp/kitchen`);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'separate processes' } }))).toBe(
      'separate processes',
    );
    await client.close();
    expect(gateway.stderr() + agent.stderr()).not.toContain(token);
    // Two processes, each starting recording (initdb): ~22 s on a quiet 2-core machine.
  }, 90_000);

  it('refuses a broken configuration with every problem and its path, and starts nothing', async () => {
    writeFileSync(
      join(dir, 'broken.yaml'),
      `gateway:
  listen: { port: "eighty" }
  tunnel: { tls: { certFile: x.pem } }
  colour: blue
`,
    );
    const gateway = airlock(['gateway', '--config', join(dir, 'broken.yaml')]);
    const { code } = await gateway.exited;
    expect(code).toBe(2);
    const stderr = gateway.stderr();
    expect(stderr).toContain('gateway.listen.port');
    expect(stderr).toContain('gateway.tunnel.tls.keyFile');
    expect(stderr).toContain('unknown key(s) "colour"');
    expect(gateway.stdoutLines.some((l) => l.includes('ready'))).toBe(false);

    const check = airlock(['config', 'check', '--config', join(dir, 'missing.yaml')]);
    expect((await check.exited).code).toBe(2);
    expect(check.stderr()).toMatch(/Cannot read the configuration file .*missing\.yaml \(ENOENT\)/);
  });

  it('config check reports what startup would: recording on with nowhere to write', async () => {
    writeFileSync(
      join(dir, 'no-place.yaml'),
      `gateway:
  listen: { host: 127.0.0.1, port: 0 }
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
`,
    );
    const check = airlock(['config', 'check', '--config', join(dir, 'no-place.yaml')]);
    expect((await check.exited).code).toBe(2);
    expect(check.stderr()).toMatch(/nowhere to keep its recording spool.*gateway\.dataDir/);

    // Recording off (here from the environment): nothing to write, nothing to report.
    const off = airlock(['config', 'check', '--config', join(dir, 'no-place.yaml')], {
      AIRLOCK_RECORDING__ENABLED: 'false',
    });
    expect((await off.exited).code).toBe(0);
  });

  it('config check refuses a guardrail expression that does not compile, naming its path', async () => {
    writeFileSync(
      join(dir, 'bad-rule.yaml'),
      `gateway:
  listen: { host: 127.0.0.1, port: 0 }
  tunnel:
    listen: { host: 127.0.0.1, port: 0 }
    tls: { certFile: tunnel.crt, keyFile: tunnel.key }
  guardrails:
    rules:
      - { name: no-users, tool: query, when: 'arguments.table ==', action: deny }
recording: { enabled: false }
`,
    );
    const where =
      /gateway\.guardrails\.rules\[0\]\.when: the CEL expression of rule "no-users" does not compile/;
    const check = airlock(['config', 'check', '--config', join(dir, 'bad-rule.yaml')]);
    expect((await check.exited).code).toBe(2);
    expect(check.stderr()).toMatch(where);
  });
});
