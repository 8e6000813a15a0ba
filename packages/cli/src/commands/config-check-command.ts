import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import { reportStartupFailure } from '../process-lifecycle.js';

interface CheckArgs {
  config?: string;
}

export const configCheckCommand: CommandModule<object, CheckArgs> = {
  command: 'config check',
  describe: 'Validate a configuration file (and AIRLOCK_* variables) without starting anything',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  handler: (args) => {
    try {
      const { config } = loadConfig(args.config);
      const sections = [config.gateway && 'gateway', config.agent && 'agent'].filter(Boolean).join(' and ');
      const connections = config.agent ? Object.keys(config.agent.connections).join(', ') : '';
      process.stdout.write(
        `configuration is valid: ${sections}${connections ? ` (connections: ${connections})` : ''}\n`,
      );
    } catch (error) {
      reportStartupFailure(error);
    }
  },
};
