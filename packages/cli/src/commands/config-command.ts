import type { CommandModule } from 'yargs';
import { commandGroup } from '../command-line/command-group.js';
import { reportStartupFailure } from '../process-lifecycle.js';

interface CheckArgs {
  config?: string;
}

const check: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'Validate a configuration file (and AIRLOCK_* variables) without starting anything',
  builder: (y) =>
    y.option('config', { type: 'string', describe: 'Configuration file (default: $AIRLOCK_CONFIG)' }),
  handler: async (args) => {
    try {
      // The configuration schema and the guardrail compiler load when a file is checked: every
      // other command would load them at start-up.
      const { loadConfig } = await import('../config/load-config.js');
      const { compileConfiguredGuardrails } = await import('@airlock/core');
      const { config } = loadConfig(args.config);
      if (config.gateway) {
        // Guardrail expressions compile where they run (the gateway); check them here as it would.
        const source = args.config ?? process.env['AIRLOCK_CONFIG'] ?? 'the AIRLOCK_* environment';
        await compileConfiguredGuardrails(config.gateway.guardrails, { source });
      }
      // The same decisions startup makes, so a file that passes here does not fail to start for them.
      // Loaded here, not at import: the roles are large and every other command would load them.
      if (config.recording.enabled) {
        if (config.gateway) {
          const { gatewayRecordingPlaces } = await import('@airlock/gateway');
          gatewayRecordingPlaces(config.gateway, config.recording);
        }
        if (config.agent) {
          const { agentSpoolDir } = await import('@airlock/agent');
          agentSpoolDir(config.agent, config.recording);
        }
      }
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

/** `airlock config check`; a group, so that `airlock config <anything else>` is an unknown command. */
export const configCommand = commandGroup({
  name: 'config',
  describe: 'Check a configuration file without starting anything (airlock config check)',
  subcommands: [check],
});
