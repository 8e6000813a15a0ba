import { keepHelperThreadsLow } from '@airlock/operations';
import { loadRoleConfig } from '../config/load-role-config.js';
import { createLogger } from '../logging/create-logger.js';
import { reportStartupFailure, stopOnSignals } from '../process-lifecycle.js';

export interface RunGatewayOptions {
  /** The configuration file; else $AIRLOCK_CONFIG; else the AIRLOCK_* environment alone. */
  readonly configPath?: string | undefined;
}

/**
 * The gateway role, as `airlock gateway` runs it: load and check the configuration, start the
 * gateway, print the ready line, stop on signals.
 */
export async function runGateway(options: RunGatewayOptions): Promise<void> {
  try {
    const { config, section } = loadRoleConfig(options.configPath, 'gateway');
    const logger = createLogger(config.logging.level, { name: 'airlock-gateway' });
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
}
