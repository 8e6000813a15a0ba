import { startAgent, type Agent } from '@airlock/agent';
import { parseConfig } from '@airlock/core';
import { startGateway, type RunningGateway } from '@airlock/gateway';
import { generateAgentToken, hashAgentToken } from '@airlock/tunnel';
import type { CommandModule } from 'yargs';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';
import { AIRLOCK_VERSION } from '../version.js';
import { devBanner } from '../dev/dev-banner.js';
import { prepareDevFiles } from '../dev/dev-files.js';
import { startDemoUpstreams, type DemoUpstreams } from '../dev/demo-upstreams.js';

interface DevArgs {
  port: number;
  'data-dir': string;
  'log-level': string;
}

export const devCommand: CommandModule<object, DevArgs> = {
  command: 'dev',
  describe: 'Run a gateway, an agent and demo MCP servers on this machine',
  builder: (y) =>
    y
      .option('port', {
        type: 'number',
        default: 8080,
        describe: 'Gateway port for MCP clients (0 = any free port)',
      })
      .option('data-dir', {
        type: 'string',
        default: '.airlock/dev',
        describe: 'Where the dev TLS certificate is kept',
      })
      .option('log-level', {
        type: 'string',
        default: 'info',
        describe: 'fatal, error, warn, info, debug, trace, silent',
      }),
  handler: async (args) => {
    // A developer's machine is no EC2 instance: do not let the AWS provider chain probe the
    // instance metadata service (a link-local address) while looking for credentials.
    process.env['AWS_EC2_METADATA_DISABLED'] ??= 'true';
    let upstreams: DemoUpstreams | undefined;
    let gateway: RunningGateway | undefined;
    let agent: Agent | undefined;
    try {
      const files = await prepareDevFiles(args['data-dir']);
      upstreams = await startDemoUpstreams();
      const token = generateAgentToken();
      const names = upstreams.connections.map((c) => c.name);
      const gatewayConfig = parseConfig(
        JSON.stringify({
          logging: { level: args['log-level'] },
          gateway: {
            id: 'dev-gateway',
            // `airlock agents create` against the dev gateway keeps its enrollments here.
            dataDir: files.dir,
            listen: { host: '127.0.0.1', port: args.port },
            tunnel: {
              listen: { host: '127.0.0.1', port: 0 },
              tls: { certFile: files.certFile, keyFile: files.keyFile },
            },
            agents: [{ id: 'dev-agent', tokenSha256: hashAgentToken(token), connections: names }],
          },
        }),
        { source: 'airlock dev', env: process.env },
      );
      const logger = createLogger(gatewayConfig.logging.level, { name: 'airlock-dev' });
      logger.warn('dev mode: the gateway accepts unauthenticated requests and listens on loopback only');
      gateway = await startGateway(gatewayConfig.gateway!, { logger });
      const agentConfig = parseConfig(
        JSON.stringify({
          agent: {
            id: 'dev-agent',
            token,
            gateways: [
              {
                address: `127.0.0.1:${gateway.tunnel.port}`,
                caFile: files.certFile,
                serverName: 'localhost',
              },
            ],
            connections: Object.fromEntries(upstreams.connections.map((c) => [c.name, c.config])),
          },
        }),
        { source: 'airlock dev' },
      );
      agent = await startAgent(agentConfig.agent!, { logger, version: AIRLOCK_VERSION });
      await waitForConnections(gateway, names);
      process.stdout.write(
        devBanner({
          url: gateway.url,
          connections: upstreams.connections,
          tunnelPort: gateway.tunnel.port,
          dataDir: files.dir,
        }),
      );
      const running = { gateway, agent, upstreams };
      stopOnSignals(logger, async () => {
        await running.agent.stop();
        await running.gateway.close();
        await running.upstreams.close();
      });
    } catch (error) {
      await agent?.stop().catch(() => undefined);
      await gateway?.close().catch(() => undefined);
      await upstreams?.close().catch(() => undefined);
      reportStartupFailure(error);
    }
  },
};

async function waitForConnections(gateway: RunningGateway, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (names.some((n) => gateway.tunnel.connection(n) === undefined)) {
    if (Date.now() > deadline) {
      throw new Error(
        `the dev agent did not connect to the gateway within 15 s; run with --log-level debug to see why`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
