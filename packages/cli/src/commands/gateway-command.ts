import { keepHelperThreadsLow } from '@airlock/operations';
import type { CommandModule } from 'yargs';
import { loadRoleConfig } from '../config/load-role-config.js';
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
      const { config, section } = loadRoleConfig(args.config, 'gateway');
      const logger = createLogger(config.logging.level, { name: 'airlock-gateway' });
      // Loaded when this command runs: every other `airlock` command (the agent role among them)
      // would otherwise load the gateway, its store and the AWS SDK clients at start-up.
      const { startGateway } = await import('@airlock/gateway');
      const gateway = await startGateway(section, { logger, recording: config.recording });
      // The relay's thread first when the cores are busy (see HELPER_THREAD_NICE).
      await keepHelperThreadsLow();
      process.stdout.write(
        `${JSON.stringify({
          ready: 'gateway',
          url: gateway.url,
          tunnelPort: gateway.tunnel.port,
          ...(gateway.operations ? { operationsUrl: gateway.operations.url } : {}),
        })}\n`,
      );
      // SIGTERM: unready at once, no new sessions, calls in flight get the grace period.
      stopOnSignals(logger, () => gateway.close(section.shutdown.graceSeconds * 1000));
    } catch (error) {
      reportStartupFailure(error);
    }
  },
};
