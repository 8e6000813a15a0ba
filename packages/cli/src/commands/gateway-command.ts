import type { CommandModule } from 'yargs';

interface GatewayArgs {
  config?: string;
}

export const gatewayCommand: CommandModule<object, GatewayArgs> = {
  command: 'gateway',
  describe: 'Run a gateway: MCP clients connect to it, agents dial into it',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  // Loaded when run, like the agent: every other `airlock` command would otherwise load the
  // gateway's logger and operations stack (metrics, tracing) at start-up, and the gateway itself,
  // its store and the AWS SDK clients once it starts.
  handler: async (args) => {
    const { runGateway } = await import('../roles/run-gateway.js');
    await runGateway({ configPath: args.config });
  },
};
