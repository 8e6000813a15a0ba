import { startAgent } from '@airlock/agent';
import { keepHelperThreadsLow } from '@airlock/operations';
import { loadRoleConfig } from '../config/load-role-config.js';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';
import { AIRLOCK_VERSION } from '../version.js';

export interface RunAgentOptions {
  /** The configuration file; else $AIRLOCK_CONFIG; else the AIRLOCK_* environment alone. */
  readonly configPath?: string | undefined;
  /**
   * Pretty logs on a terminal. The single-file executable passes false: pino-pretty runs in a
   * worker thread loaded from node_modules, which a one-file bundle does not have.
   */
  readonly prettyLogs?: boolean;
}

/**
 * The agent role, as `airlock agent` and the `airlock-agent` executable run it: load and check the
 * configuration, start dialling every gateway, print the ready/connected lines, stop on signals.
 */
export async function runAgent(options: RunAgentOptions): Promise<void> {
  try {
    const { config, section } = loadRoleConfig(options.configPath, 'agent');
    const logger = createLogger(config.logging.level, {
      name: 'airlock-agent',
      ...(options.prettyLogs === false ? { pretty: false } : {}),
    });
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
    // The relay's thread first when the cores are busy (see HELPER_THREAD_NICE).
    await keepHelperThreadsLow();
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
}
