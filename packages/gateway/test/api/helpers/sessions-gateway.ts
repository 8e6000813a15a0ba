import { configSchema, type GatewayConfig } from '@airlock/core';
import type { RecordingStore } from '@airlock/recording';
import { pino } from 'pino';
import {
  createOriginPolicy,
  createSessionAccess,
  createSessionsApi,
  startGatewayHttp,
  type GatewayHttp,
} from '../../../src/index.js';
import type { ChangeHub } from '../../../src/live/change-hub.js';
import { NoAgentDirectory } from '../../identity/helpers/identity-harness.js';

/**
 * A loopback gateway in dev mode (no identity provider, no agents) serving the sessions API over
 * `store`, reading `eventPageSize` events per store page: what `airlock sessions` talks to. With
 * `hub`, it serves the live streams too.
 */
export function startSessionsGateway(
  store: RecordingStore,
  eventPageSize: number,
  hub?: ChangeHub,
): Promise<GatewayHttp> {
  const logger = pino({ enabled: false });
  const config = configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      tunnel: { tls: { certFile: 'unused.pem', keyFile: 'unused.key' } },
    },
  }).gateway as GatewayConfig;
  return startGatewayHttp({
    config,
    directory: new NoAgentDirectory(),
    logger,
    sessionsApi: createSessionsApi({
      store,
      access: createSessionAccess(config, logger),
      originPolicy: createOriginPolicy({ allowedOrigins: [], publicUrl: undefined, loopback: true }),
      logger,
      eventPageSize,
      hub,
    }),
  });
}
