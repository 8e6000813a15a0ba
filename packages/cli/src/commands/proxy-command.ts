import { AirlockError, isLoopbackHost } from '@airlock/core/client';
import type { CommandModule } from 'yargs';

interface ProxyArgs {
  gateway: string | undefined;
  host: string;
  port: number;
}

export const proxyCommand: CommandModule<object, ProxyArgs> = {
  command: 'proxy',
  describe: 'Serve the gateway on a loopback port with your login added, for tools that cannot do OAuth',
  builder: (y) =>
    y
      .option('gateway', {
        type: 'string',
        describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
      })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Loopback address to listen on (nothing else is allowed)',
      })
      .option('port', { type: 'number', default: 8081, describe: 'Port to listen on (0 = any free port)' }),
  handler: async (args) => {
    try {
      const { resolveGatewayUrl } = await import('../login/gateway-url.js');
      const { GatewayCredentials } = await import('../login/gateway-credentials.js');
      const { startLoopbackProxy } = await import('../relay/loopback-proxy.js');
      if (!isLoopbackHost(args.host)) {
        throw new AirlockError(
          'config_invalid',
          `airlock proxy lends your login to anyone who can reach it, so it listens on loopback only, not on ${args.host}. Use 127.0.0.1.`,
        );
      }
      const gateway = resolveGatewayUrl(args.gateway);
      const credentials = new GatewayCredentials(gateway);
      credentials.login();
      const proxy = await startLoopbackProxy({
        host: args.host,
        port: args.port,
        gateway,
        credentials,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(
        `airlock proxy: relaying ${proxy.url}/mcp/<connection> to ${gateway}/mcp/<connection> with your login\n`,
      );
      process.stdout.write(`airlock proxy: ready at ${proxy.url}\n`);
      const stop = () => void proxy.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } catch (error) {
      const failure = AirlockError.from(error);
      process.stderr.write(`airlock: ${failure.message}\n`);
      process.exit(failure.code === 'config_invalid' ? 2 : 1);
    }
  },
};
