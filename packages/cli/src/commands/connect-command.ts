import { AirlockError } from '@airlock/core/client';
import type { CommandModule } from 'yargs';

interface ConnectArgs {
  connection: string;
  gateway: string | undefined;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export const connectCommand: CommandModule<object, ConnectArgs> = {
  command: 'connect <connection>',
  describe: 'Serve a gateway connection as a stdio MCP server, with your login (for stdio-only clients)',
  builder: (y) =>
    y
      .positional('connection', { type: 'string', demandOption: true, describe: 'The connection name' })
      .option('gateway', {
        type: 'string',
        describe: 'Gateway URL (default: $AIRLOCK_GATEWAY, else http://127.0.0.1:8080)',
      }),
  handler: async (args) => {
    try {
      const { resolveGatewayUrl, connectionUrl } = await import('../login/gateway-url.js');
      const { GatewayCredentials } = await import('../login/gateway-credentials.js');
      const { authorizedFetch } = await import('../relay/authorized-fetch.js');
      const { runStdioRelay } = await import('../relay/stdio-relay.js');
      const gateway = resolveGatewayUrl(args.gateway);
      const credentials = new GatewayCredentials(gateway);
      // Fail before the client's first message: a missing login is the likeliest mistake.
      await credentials.accessToken(args.connection);
      const { closed } = await runStdioRelay({
        url: connectionUrl(gateway, args.connection),
        fetch: authorizedFetch(credentials, args.connection),
        log,
      });
      await closed;
      process.exit(0);
    } catch (error) {
      log(`airlock: ${AirlockError.from(error).message}`);
      process.exit(1);
    }
  },
};
