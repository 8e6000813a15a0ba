import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, childLogger, type ClusterConfig } from '@airlock/core';
import type { GatewayPeerStore } from '@airlock/recording';
import type { Logger } from 'pino';
import { readClusterTls, reloadClusterTlsOnChange } from './cluster-tls.js';
import { GatewayPeers } from './gateway-peers.js';
import { startInternalListener } from './internal-listener.js';
import { SessionForwarder } from './session-forwarder.js';

export interface ClusterOptions {
  readonly config: ClusterConfig;
  readonly gatewayId: string;
  readonly tag: string;
  readonly store: GatewayPeerStore;
  /** The public listener's request handler (a verified forwarded request is served by it). */
  readonly serve: (req: IncomingMessage, res: ServerResponse) => void;
  readonly logger: Logger;
}

export interface RunningCluster {
  readonly tag: string;
  readonly internalUrl: string;
  /** The routing hook: true when the request was forwarded to the session's owner. */
  route(req: IncomingMessage, res: ServerResponse): boolean;
  /** Leaves the peer list first, so peers answer 404 for our sessions rather than forwarding. */
  close(): Promise<void>;
}

/** The shortest cluster secret accepted: 256 bits, as for the HMAC key it is. */
const MIN_SECRET_BYTES = 32;

async function readSecret(path: string): Promise<Buffer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read gateway.cluster.secretFile (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Point it at a file holding the cluster secret (e.g. "openssl rand -hex 32"), the same on every gateway.`,
      { cause },
    );
  }
  const secret = Buffer.from(text.trim(), 'utf8');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new AirlockError(
      'config_invalid',
      `The cluster secret in ${path} is ${secret.length} bytes; use at least ${MIN_SECRET_BYTES} (e.g. "openssl rand -hex 32").`,
    );
  }
  return secret;
}

/** Joins the gateways sharing the store: internal listener, peer registration, forwarding. */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { config, gatewayId, tag } = options;
  const logger = childLogger(options.logger, { component: 'cluster' });
  const secret = await readSecret(config.secretFile);
  const tls = config.tls === undefined ? undefined : readClusterTls(config.tls);
  if (tls === undefined && config.insecurePlaintext) {
    logger.warn(
      { listen: config.listen.host },
      'the internal listener speaks plain HTTP (gateway.cluster.insecurePlaintext): forwarded requests, with the client’s bearer token, cross the network in clear. Set gateway.cluster.tls.',
    );
  }
  const fromPeers = new WeakSet<IncomingMessage>();
  const listener = await startInternalListener({
    host: config.listen.host,
    port: config.listen.port,
    secret,
    tls,
    serve: options.serve,
    fromPeers,
    logger,
  });
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const scheme = tls === undefined ? 'http' : 'https';
  const internalUrl = config.advertiseUrl?.replace(/\/$/, '') ?? `${scheme}://${host}:${listener.port}`;
  let peers: GatewayPeers;
  try {
    peers = await GatewayPeers.join({
      store: options.store,
      tag,
      gatewayId,
      internalUrl,
      heartbeatMs: config.heartbeatSeconds * 1000,
      peerTimeoutMs: config.peerTimeoutSeconds * 1000,
      logger,
    });
  } catch (error) {
    await listener.close();
    throw error;
  }
  const forwarder = new SessionForwarder({
    tag,
    gatewayId,
    secret,
    peers,
    tls,
    serverName: config.tls?.serverName,
    fromPeers,
    logger,
  });
  const stopWatching =
    config.tls === undefined
      ? undefined
      : reloadClusterTlsOnChange(
          config.tls,
          (material) => {
            listener.useTls(material);
            forwarder.useTls(material);
          },
          logger,
        );
  logger.info(
    { tag, internalUrl, mtls: tls !== undefined },
    'gateway joined the cluster; forwarding other gateways’ sessions',
  );
  return {
    tag,
    internalUrl,
    route: (req, res) => forwarder.route(req, res),
    close: async () => {
      stopWatching?.();
      await peers.leave();
      forwarder.close();
      await listener.close();
    },
  };
}
