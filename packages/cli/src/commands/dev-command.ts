import type { CommandModule } from 'yargs';

interface DevArgs {
  port: number;
  'data-dir': string;
  'log-level': string;
  auth: boolean;
  'access-token-ttl': number;
}

export const devCommand: CommandModule<object, DevArgs> = {
  command: 'dev',
  describe: 'Run a gateway, an agent, demo MCP servers and a demo identity provider on this machine',
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
      })
      .option('auth', {
        type: 'boolean',
        default: true,
        describe:
          'Require logins against the built-in demo identity provider (--no-auth: accept anyone, loopback only)',
      })
      .option('access-token-ttl', {
        type: 'number',
        default: 600,
        describe:
          'Lifetime in seconds of the access tokens the demo identity provider issues (short = see refreshes)',
      }),
  handler: async (args) => {
    // Loaded here, not at startup: `airlock gateway` and `airlock agent` never load the demo
    // servers or the identity provider.
    const { runDev } = await import('../dev/run-dev.js');
    await runDev({
      port: args.port,
      dataDir: args['data-dir'],
      logLevel: args['log-level'],
      auth: args.auth,
      accessTokenTtlSeconds: args['access-token-ttl'],
    });
  },
};
