import type { CommandModule } from 'yargs';
import { runAgent } from '../roles/run-agent.js';

interface AgentArgs {
  config?: string;
}

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'Run an agent: dials out to every gateway and relays to the MCP servers beside it',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  handler: (args) => runAgent({ configPath: args.config }),
};
