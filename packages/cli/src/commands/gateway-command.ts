import { AirlockError } from '@airlock/core';
import { startGateway } from '@airlock/gateway';
import type { CommandModule } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import { resolveConfigPaths } from '../config/resolve-paths.js';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';

interface GatewayArgs {
  config?: string;
}

export const gatewayCommand: CommandModule<object, GatewayArgs> = {
  command: 'gateway',
  describe: 'Run a gateway: MCP clients connect to it, agents dial into it',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  handler: async (args) => {
    try {
      const { config: raw, resolvePath } = loadConfig(args.config);
      const config = resolveConfigPaths(raw, resolvePath);
      if (!config.gateway) {
        throw new AirlockError(
          'config_invalid',
          'The configuration has no "gateway" section; add one (see the README) to run a gateway.',
        );
      }
      const logger = createLogger(config.logging.level, { name: 'airlock-gateway' });
      const gateway = await startGateway(config.gateway, { logger });
      process.stdout.write(
        `${JSON.stringify({ ready: 'gateway', url: gateway.url, tunnelPort: gateway.tunnel.port })}\n`,
      );
      stopOnSignals(logger, () => gateway.close());
    } catch (error) {
      reportStartupFailure(error);
    }
  },
};
