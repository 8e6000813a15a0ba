import type { CommandModule } from 'yargs';

interface AgentArgs {
  config?: string;
}

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'Run an agent: dials out to every gateway and relays to the MCP servers beside it',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  // Loaded when run, like the gateway: other commands do not load the agent and its gRPC stack.
  handler: async (args) => {
    const { runAgent } = await import('../roles/run-agent.js');
    await runAgent({ configPath: args.config });
  },
};
