import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectV1Client, spawnNode, type NodeProcess } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * The relay once more, with the agent as SREs deploy it: the single-file `airlock-agent` built by
 * scripts/build-agent-binary.mjs (Node 22 inside), started from a configuration file, dialling a
 * real gateway over gRPC + TLS on loopback, relaying real MCP servers over stdio and HTTP.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const executable = join(root, 'dist/test-airlock-agent/airlock-agent');
const version = (
  JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
).version;

let upstreams: Upstreams;
let airlock: AirlockHarness;
let agent: NodeProcess | undefined;
let startedAt = 0;

beforeAll(() => {
  // Built every run (about 10 s; tsc -b is a no-op after the suite's build) so the test never
  // runs a stale executable.
  const build = spawnSync(
    process.execPath,
    ['scripts/build-agent-binary.mjs', '--out', 'dist/test-airlock-agent/airlock-agent'],
    { cwd: root, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`building the agent executable failed:\n${build.stderr}`);
  process.stdout.write(`agent executable: ${build.stdout.trim().split('\n').at(-1)}\n`);
}, 120_000);

afterAll(async () => {
  await agent?.kill();
  await airlock?.close();
  await upstreams?.close();
});

describe('the airlock-agent executable', () => {
  it('prints its version and carries only the agent', () => {
    const run = spawnSync(executable, ['--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
    const bundled = JSON.parse(
      readFileSync(join(root, 'dist/test-airlock-agent/agent-binary-build/bundle-inputs.json'), 'utf8'),
    ) as string[];
    expect(bundled.some((input) => input.includes('packages/agent/'))).toBe(true);
    for (const forbidden of ['packages/gateway/', 'packages/testkit/', 'packages/demo/', 'pglite'])
      expect(bundled.filter((input) => input.includes(forbidden))).toEqual([]);
  });

  it('carries its code as ASCII without comments, which V8 keeps at one byte per character', () => {
    // The running agent holds the bundle's whole source text: one non-ASCII character would make
    // V8 store all of it two bytes per character (11.6 MB where 5.8 do), and comments are bytes too.
    const bundle = readFileSync(join(root, 'dist/test-airlock-agent/agent-binary-build/airlock-agent.cjs'));
    const at = bundle.findIndex((byte) => byte > 0x7f);
    const nonAscii = at === -1 ? '' : bundle.subarray(Math.max(0, at - 40), at + 10).toString();
    expect(nonAscii).toBe('');
    const lines = bundle.toString('latin1').split('\n').length;
    expect(lines).toBeLessThan(2_000);
  });

  it('refuses an unknown option with exit code 2 and says what to run', () => {
    const run = spawnSync(executable, ['--bogus'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('airlock-agent --help');
  });

  it('stops before dialling when the configuration is wrong, naming the problem', () => {
    const run = spawnSync(executable, ['--config', join(root, 'no-such-agent.yaml')], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Cannot read the configuration file');
  });

  describe('relaying through a real gateway', () => {
    beforeAll(async () => {
      useTestAwsCredentials();
      upstreams = await startUpstreams();
      airlock = await startAirlock({ connections: upstreams.connections, startAgent: false, recording: {} });
      const file = join(airlock.dir, 'agent.yaml');
      // JSON is YAML: the agent section as an SRE would write it.
      writeFileSync(
        file,
        JSON.stringify({
          agent: {
            id: 'e2e-agent',
            token: airlock.agentToken,
            dataDir: join(airlock.dir, 'binary-agent'),
            gateways: [
              {
                address: `127.0.0.1:${airlock.gateway.tunnel.port}`,
                caFile: join(airlock.dir, 'tunnel.crt'),
                serverName: 'localhost',
              },
            ],
            reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
            connections: upstreams.connections,
          },
        }),
      );
      startedAt = performance.now();
      // spawnNode runs `<execPath> <script> ...args`: the executable takes the place of node.
      agent = spawnNode('--config', [file], { execPath: executable });
      await agent.waitForLine((line) => line.includes('"connected":"agent"'), { timeoutMs: 20_000 });
      process.stdout.write(
        `agent executable: first tunnel connected ${Math.round(performance.now() - startedAt)} ms after spawn\n`,
      );
      for (const name of Object.keys(upstreams.connections)) await airlock.waitForConnection(name);
    });

    for (const connection of ['kitchen-stdio', 'kitchen-http']) {
      it(`relays a v1 client's calls to ${connection}`, async () => {
        const client = await connectV1Client(airlock.mcpUrl(connection));
        try {
          const { tools } = await client.listTools();
          expect(tools.map((t) => t.name)).toContain('echo');
          const result = await client.callTool({ name: 'echo', arguments: { text: `via ${connection}` } });
          expect(JSON.stringify(result.content)).toContain(`via ${connection}`);
        } finally {
          await client.close();
        }
      });
    }

    it('reports its version to the gateway and stops cleanly on SIGTERM', async () => {
      const hello = airlock
        .logs()
        .split('\n')
        .find((line) => line.includes('"agent connected"'));
      expect(hello).toContain(`"version":"${version}"`);
      agent!.child.kill('SIGTERM');
      const { code } = await agent!.exited;
      expect(code).toBe(0);
    });
  });
});
