import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  AirlockError,
  type GatewayConfig,
  type IdentityResolver,
  type MessagePolicy,
  type MessageRecorder,
} from '@airlock/core';
import { EnrolledAgentAuthenticator, TunnelServer } from '@airlock/tunnel';
import type { Logger } from 'pino';
import { startGatewayHttp, type GatewayHttp } from './gateway-http.js';

export interface StartGatewayOptions {
  readonly logger: Logger;
  /** The tunnel's TLS material; default: read `tunnel.tls.certFile` / `keyFile` (/ `clientCaFile`). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
  readonly identity?: IdentityResolver;
  readonly policy?: MessagePolicy;
  readonly recorder?: MessageRecorder;
}

export interface RunningGateway {
  readonly id: string;
  /** Base URL for MCP clients; connections live at `${url}/mcp/<connection>`. */
  readonly url: string;
  readonly http: GatewayHttp;
  readonly tunnel: TunnelServer;
  close(): Promise<void>;
}

async function readTlsFile(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read ${key} (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Point it at a PEM file.`,
      { cause },
    );
  }
}

/** The gateway composition root: the agents' tunnel listener plus the MCP clients' HTTP listener. */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions,
): Promise<RunningGateway> {
  const id = config.id ?? hostname();
  const logger = options.logger.child({ gatewayId: id });
  const tlsConfig = config.tunnel.tls;
  const tls = options.tls ?? {
    cert: await readTlsFile(tlsConfig.certFile, 'gateway.tunnel.tls.certFile'),
    key: await readTlsFile(tlsConfig.keyFile, 'gateway.tunnel.tls.keyFile'),
    ...(tlsConfig.clientCaFile
      ? { clientCa: await readTlsFile(tlsConfig.clientCaFile, 'gateway.tunnel.tls.clientCaFile') }
      : {}),
  };
  const tunnel = await TunnelServer.listen({
    host: config.tunnel.listen.host,
    port: config.tunnel.listen.port,
    tls,
    gatewayId: id,
    authenticator: new EnrolledAgentAuthenticator(config.agents),
    logger: logger.child({ component: 'tunnel' }),
    heartbeatIntervalMs: config.tunnel.heartbeatSeconds * 1000,
    maxMessageBytes: config.limits.maxMessageBytes,
    openTimeoutMs: config.limits.openTimeoutMs,
  });
  logger.info({ host: tunnel.host, port: tunnel.port }, 'gateway listening for agents (gRPC over TLS)');
  let http: GatewayHttp;
  try {
    http = await startGatewayHttp({
      config,
      directory: tunnel,
      logger,
      ...(options.identity ? { identity: options.identity } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.recorder ? { recorder: options.recorder } : {}),
    });
  } catch (error) {
    await tunnel.close({ graceMs: 0 });
    throw error;
  }
  return {
    id,
    url: http.url,
    http,
    tunnel,
    close: async () => {
      await http.close();
      await tunnel.close();
    },
  };
}
