import { startAgent } from '@airlock/agent';
import type { CommandModule } from 'yargs';
import { loadRoleConfig } from '../config/load-role-config.js';
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
      const { config, section } = loadRoleConfig(args.config, 'agent');
      const logger = createLogger(config.logging.level, { name: 'airlock-agent' });
      const agent = await startAgent(section, {
        logger,
        version: AIRLOCK_VERSION,
        recording: config.recording,
        // For scripts: "ready" means running (dialling); "connected" that a gateway routes to it.
        onConnected: ({ address, gatewayId }) =>
          process.stdout.write(
            `${JSON.stringify({ connected: 'agent', id: section.id, gateway: address, gatewayId })}\n`,
          ),
      });
      process.stdout.write(
        `${JSON.stringify({
          ready: 'agent',
          id: section.id,
          ...(agent.operations ? { operationsUrl: agent.operations.url } : {}),
        })}\n`,
      );
      // SIGTERM: unready at once, no new sessions, calls in flight get the grace period.
      stopOnSignals(logger, () => agent.stop(section.shutdown.graceSeconds * 1000));
    } catch (error) {
      reportStartupFailure(error);
    }
  },
};
