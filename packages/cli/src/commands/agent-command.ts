import { startAgent } from '@airlock/agent';
import { AirlockError } from '@airlock/core';
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import { resolveConfigPaths } from '../config/resolve-paths.js';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';
import { AIRLOCK_VERSION } from '../version.js';

interface AgentArgs {
  config?: string;
}

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'Run an agent: dials out to every gateway and relays to the MCP servers beside it',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  handler: async (args) => {
    try {
      const { config: raw, resolvePath } = loadConfig(args.config);
      const config = resolveConfigPaths(raw, resolvePath);
      if (!config.agent) {
        throw new AirlockError(
          'config_invalid',
          'The configuration has no "agent" section; add one (see the README) to run an agent.',
        );
      }
      const logger = createLogger(config.logging.level, { name: 'airlock-agent' });
      const agent = await startAgent(config.agent, { logger, version: AIRLOCK_VERSION });
      process.stdout.write(`${JSON.stringify({ ready: 'agent', id: config.agent.id })}\n`);
      stopOnSignals(logger, () => agent.stop());
    } catch (error) {
      reportStartupFailure(error);
    }
  },
};
