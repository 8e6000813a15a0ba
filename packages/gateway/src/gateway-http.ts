import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AirlockError,
  allowAllPolicy,
  noRecording,
  type GatewayConfig,
  type IdentityResolver,
  type MessagePolicy,
  type MessageRecorder,
} from '@airlock/core';
import type { Logger } from 'pino';
import { createOriginPolicy } from './http/origin-policy.js';
import { sendError, sendJson } from './http/send-error.js';
import type { AgentDirectory } from './mcp/agent-directory.js';
import { McpEndpoint } from './mcp/mcp-endpoint.js';
import { MessagePipeline } from './mcp/message-pipeline.js';
import { SessionRegistry } from './mcp/session-registry.js';
import { createUnauthenticatedIdentity } from './identity/dev-identity.js';

export interface GatewayHttpOptions {
  readonly config: GatewayConfig;
  readonly directory: AgentDirectory;
  /** Connections known before any agent announces them (enrolled agents' connections). */
  readonly configuredConnections?: readonly string[];
  readonly identity?: IdentityResolver;
  readonly policy?: MessagePolicy;
  readonly recorder?: MessageRecorder;
  readonly logger: Logger;
}

export interface GatewayHttp {
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  readonly sessions: SessionRegistry;
  close(): Promise<void>;
}

const MCP_PATH = /^\/mcp\/([^/?#]+)\/?$/;

/** The gateway's HTTP side: MCP endpoints per connection plus health. */
export async function startGatewayHttp(options: GatewayHttpOptions): Promise<GatewayHttp> {
  const { config, directory, logger } = options;
  const identity = options.identity ?? createUnauthenticatedIdentity(config.listen.host);
  const sessions = new SessionRegistry(config.limits.sessionIdleSeconds * 1000);
  const known = new Set(options.configuredConnections ?? []);
  for (const agent of config.agents) for (const c of agent.connections) known.add(c);
  const endpoint = new McpEndpoint({
    directory,
    identity,
    pipeline: new MessagePipeline(options.policy ?? allowAllPolicy, options.recorder ?? noRecording),
    sessions,
    maxBodyBytes: config.limits.maxBodyBytes,
    checkOrigin: createOriginPolicy(config.allowedOrigins, config.publicUrl),
    isKnownConnection: (name) => {
      if (known.has(name)) return true;
      if (directory.connection(name) === undefined) return false;
      known.add(name);
      return true;
    },
    logger,
  });

  const server = createServer({ keepAlive: true, requestTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const match = MCP_PATH.exec(path);
    if (match) {
      let connection: string;
      try {
        connection = decodeURIComponent(match[1] as string);
      } catch {
        sendError(res, new AirlockError('connection_not_found', 'The connection name in the URL is not valid percent-encoding.'));
        return;
      }
      void endpoint.handle(req, res, connection);
      return;
    }
    if (path.includes('?') && MCP_PATH.test(path.slice(0, path.indexOf('?')))) {
      sendError(res, new AirlockError('invalid_request', 'MCP endpoints take no query string; put nothing after /mcp/<connection>.'));
      return;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok', sessions: sessions.size });
      return;
    }
    sendError(
      res,
      new AirlockError('connection_not_found', `Nothing is served at ${path.split('?')[0]}. MCP endpoints live at /mcp/<connection>.`),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  const url = config.publicUrl?.replace(/\/$/, '') ?? `http://${host}:${port}`;
  logger.info({ url }, 'gateway listening for MCP clients');

  return {
    server,
    url,
    port,
    sessions,
    close: async () => {
      sessions.closeAll(new AirlockError('tunnel_closed', 'the gateway is shutting down'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
